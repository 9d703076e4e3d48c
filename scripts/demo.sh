#!/usr/bin/env bash
# Installs Heron and runs the quickstart: a few demo runs logged into the local store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/python examples/quickstart.py
.venv/bin/heron runs ls quickstart
