#!/usr/bin/env bash
# Set up and run the whole test suite (ruff, then pytest). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
ruff check .
python -m pytest -q -n auto --dist loadgroup --no-loadscope-reorder "$@"
