#!/usr/bin/env bash
# Creates .venv and installs Heron with everything its tests need, and builds the dashboard
# (idempotent: a second run only checks).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
quiet() { grep -v "^WARNING: Location" || true; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | quiet
# torch==2.13.0 is the CPU build on this machine's disk; any other spec downloads gigabytes.
.venv/bin/python -m pip install -q "torch==2.13.0" 2>&1 | quiet
.venv/bin/python -m pip install -q -e ".[dev,pandas]" 2>&1 | quiet
.venv/bin/python -c "import heron, torch, pandas" >/dev/null
bash scripts/build-web.sh
