#!/usr/bin/env bash
# The one test command (`npm test`): prepares the machine, type-checks, builds, runs every test.
# Under CI=true, a test that needs the engine or the browser fails when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/prepare-test-env.sh
if [ ! -d node_modules ]; then
  echo "[test] node_modules missing: running npm ci"
  npm ci
fi
echo "[test] type-checking"
npx tsc -p tsconfig.json
echo "[test] building"
npm run build --silent
echo "[test] running tests"
npx vitest run "$@"
