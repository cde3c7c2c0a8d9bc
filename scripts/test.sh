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
npx vitest run --coverage.enabled --coverage.reporter=lcov --coverage.reporter=text-summary \
  --reporter=default --reporter=json --outputFile.json=.slipway/vitest.json --reporter=junit --outputFile.junit=.slipway/junit.xml "$@" || status=$?

# slipway's own quality gate, with the coverage of the run above: on main it records nothing and judges the
# commits not yet on main (none in CI, where it answers no-baseline); on a branch it judges the branch's changes
mkdir -p .slipway/gate
[ "$status" != 0 ] || node bin/slipway.js gate --base main --coverage coverage/lcov.info --codeclimate .slipway/gate/gl-code-quality.json \
  --sarif .slipway/gate/gate.sarif --junit .slipway/gate/junit.xml --markdown .slipway/gate/summary.md || status=$?
node -e '
const r = JSON.parse(require("fs").readFileSync(".slipway/vitest.json", "utf8"));
console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
if (r.numTotalTests === 0) { console.error("no test ran"); process.exit(1); }
'
exit "$status"
