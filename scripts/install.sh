#!/usr/bin/env bash
# Installs slipway's npm dependencies and compiles it; skips both when nothing changed since the last time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
stamp=node_modules/.slipway-install-stamp
want="$(cat package-lock.json package.json | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # `npm ci` trips over lock entries of optional per-platform packages (jscpd) in npm 11; install honours the lock
  npm install --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
npm run --silent build
