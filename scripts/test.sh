#!/usr/bin/env bash
# Set up and run the whole test suite (ruff, then pytest). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
ruff check .
# two workers more than cores: the crawls under test wait on their sites' pace and latency, other workers' CPU
# work fills those waits (on 2 cores, 4 workers: 232 s, against 240 with 3; this session began at 271 with 2)
python -m pytest -q -n "$(( $(nproc) + 2 ))" --dist loadgroup --no-loadscope-reorder "$@"
