#!/usr/bin/env bash
# The README's test command: prepares the machine (engine, registry, base images), installs, type-checks, lints,
# runs every test (unit and end-to-end against the real engine), then runs slipway's own quality gate.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/machine-setup.sh
bash scripts/install.sh
npx tsc -p tsconfig.json --noEmit
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
mkdir -p .slipway
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.slipway/vitest.json --reporter=junit --outputFile.junit=.slipway/junit.xml "$@" || status=$?
node -e '
const r = JSON.parse(require("fs").readFileSync(".slipway/vitest.json", "utf8"));
console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
if (r.numTotalTests === 0) { console.error("no test ran"); process.exit(1); }
'
exit "$status"
