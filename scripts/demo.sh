#!/usr/bin/env bash
# The main job on its embedded default: serve the bundled imitation web on 127.0.0.1, crawl every site into
# SQLite (nianbao-demo.db), and print the per-site summary; then parse the bundled sample documents.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
rm -f nianbao-demo.db; rm -rf nianbao-demo.db.docs
nianbao demo --db nianbao-demo.db
echo
nianbao parse --summary samples/* || [ $? -eq 3 ]
