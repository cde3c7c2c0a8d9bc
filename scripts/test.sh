#!/usr/bin/env bash
# The README's test command: prepares the machine (engine, registry, base images, k6, the single-node
# Kubernetes), installs, type-checks, lints, runs every test (unit and end-to-end against the real engine and
# cluster), then runs slipway's own quality gate.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/machine-setup.sh
# the single-node Kubernetes the cluster tests run against: its binaries are built once from the Go module proxy
# (15 to 20 min cold on 2 cores, then cached under $SLIPWAY_MACHINE_STATE/k8s), then it starts in about 15 s. If it
# cannot start, the other tests still run and the cluster tests fail (with CI=true they fail, never skip).
bash scripts/k8s/up.sh || echo "[test] the Kubernetes cluster did not start (see above): its tests will fail" >&2
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
