#!/usr/bin/env bash
# Installs Heron, logs the demo into the local store (a small PyTorch model trained with
# watch(), its predictions as captioned images, a bayes sweep run by two agents at once), and
# opens the dashboard on it
# (http://127.0.0.1:8080; Ctrl-C stops it). Set HERON_DIR to use another store folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/python examples/demo.py
exec .venv/bin/heron ui --port "${PORT:-8080}" "$@"
