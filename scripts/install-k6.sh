#!/usr/bin/env bash
# Installs the pinned k6 that `slipway loadtest` runs, built with `go install` from the Go module proxy into the
# machine's cache dir; prints the binary's path. Idempotent: does nothing when that k6 version is already there.
# A cold install (module downloads and compile) took 3 to 4.5 min on 2 cores; an up-to-date one about 50 ms.
set -euo pipefail

# v1.8.1 is the newest release the proxy lists that builds with Go >= 1.25 (it pulls buf.build modules, which the
# proxy serves); override K6_VERSION only together with the tests.
version="${K6_VERSION:-v1.8.1}"
state="${SLIPWAY_MACHINE_STATE:-/var/lib/slipway-machine}"
bin="$state/bin"
k6="$bin/k6"
log() { printf '[install-k6] %s\n' "$*" >&2; }

if [ -x "$k6" ] && "$k6" version 2>/dev/null | grep -q "^k6 $version "; then
  echo "$k6"
  exit 0
fi

if ! command -v go >/dev/null; then
  log "go is not installed: k6 is built from source with \`go install\` (Go >= 1.21; an older toolchain fetches go1.25 from the proxy)"
  exit 3
fi

mkdir -p "$bin"
log "building k6 $version with $(go version | cut -d' ' -f3) into $bin (3 to 5 min the first time)"
started=$SECONDS
# GOTOOLCHAIN=auto: a Go older than the go.mod's (1.25) downloads the required toolchain from the proxy instead of failing
if ! GOBIN="$bin" GOTOOLCHAIN="${GOTOOLCHAIN_K6:-auto}" go install "go.k6.io/k6@$version" >&2; then
  log "go install go.k6.io/k6@$version failed (see above)"
  exit 3
fi
if ! "$k6" version 2>/dev/null | grep -q "^k6 $version "; then
  log "the built binary does not report k6 $version: $("$k6" version 2>&1 | head -n1)"
  exit 3
fi
log "k6 $version installed in $((SECONDS - started)) s"
echo "$k6"
