#!/usr/bin/env bash
# Installs Heron, logs three demo runs into the local store, and opens the dashboard on it
# (http://127.0.0.1:8080; Ctrl-C stops it). Set HERON_DIR to use another store folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/python examples/quickstart.py
exec .venv/bin/heron ui --port "${PORT:-8080}" "$@"
