#!/usr/bin/env bash
# The README's first command: on a fresh Debian machine, installs and starts what slipway needs, then runs
# slipway's main job on the example app: build every component that changed (pushed to the local registry) and
# bring up its preview environment, printing the URLs a person can open.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/machine-setup.sh
bash scripts/install.sh
cd examples/scolarite
branch="${1:-$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo main)}"
node ../../bin/slipway.js build --push
node ../../bin/slipway.js env up "$branch"
