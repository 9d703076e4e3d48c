#!/usr/bin/env bash
# Installs everything and runs the whole test suite: ruff, mypy, the dashboard's typecheck
# (in the build) and unit tests (vitest), then pytest (real SQLite, PostgreSQL, HTTP servers,
# Chromium, PyTorch).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# The browser tests drive the system Chromium (never a downloaded one).
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
        >/dev/null 2>&1 || echo "test.sh: could not install chromium; browser tests will skip"
fi
.venv/bin/ruff check src tests benchmarks examples
.venv/bin/mypy
(cd web && npm test --silent)
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
