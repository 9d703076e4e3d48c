#!/usr/bin/env bash
# Installs everything and runs the whole test suite: ruff, mypy, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/ruff check src tests benchmarks examples
.venv/bin/mypy
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
