#!/usr/bin/env bash
# Set up and run the whole test suite (ruff, then pytest). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
ruff check .
# one worker more than cores: the crawls under test wait on their sites' pace and latency, another worker's CPU work
# fills those waits (on 2 cores: 3 workers, about 10 % less time than 2)
python -m pytest -q -n "$(( $(nproc) + 1 ))" --dist loadgroup --no-loadscope-reorder "$@"
