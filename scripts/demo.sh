#!/usr/bin/env bash
# The README's first command: on a fresh Debian machine, installs and starts what slipway needs, then runs
# slipway's main job on the example app: build (and push to the local registry) every component that changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/machine-setup.sh
bash scripts/install.sh
cd examples/scolarite
node ../../bin/slipway.js build --push "$@"
