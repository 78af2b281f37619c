#!/usr/bin/env bash
# The main job on its embedded default: parse the bundled sample reports and print a summary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
nianbao parse --summary samples/* || [ $? -eq 3 ]
