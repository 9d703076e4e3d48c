#!/usr/bin/env bash
# Build the dashboard (web/) into the Python package: src/heron/server/static/{index.html,app.js,app.css}.
# Idempotent: `npm ci` when the lock file is there and node_modules is missing or older than it
# (else `npm install`), then typecheck and bundle.
set -euo pipefail
cd "$(dirname "$0")/../web"
if ! command -v npm >/dev/null 2>&1; then
    echo "build-web: npm not found; install Node.js 18+ to build the dashboard" >&2
    exit 1
fi
if [ -f package-lock.json ]; then
    # npm ci starts by deleting node_modules: only when it is missing or older than the lock.
    if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        npm ci --no-audit --no-fund --loglevel=error
    fi
else
    npm install --no-audit --no-fund --loglevel=error
fi
npm run --silent build
echo "build-web: dashboard built into src/heron/server/static/"
