#!/usr/bin/env bash
# Builds the CI cluster's DNS server from the Go module proxy: CoreDNS with only the plugins its Corefile uses
# (kubernetes, cache, template, errors, ready, bind), which compiles in a fraction of the time of the full CoreDNS
# (no cloud SDKs). Output: $SLIPWAY_MACHINE_STATE/k8s/coredns-<version>/bin/coredns. Cached: does nothing when it is
# there. Prints the binary's folder.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
log() { printf '[k8s-build] %s\n' "$*" >&2; }

out="$(dirname "$coredns_bin")"
if [ -x "$coredns_bin/coredns" ] && [ -f "$out/.complete" ]; then
  echo "$coredns_bin"
  exit 0
fi
command -v go >/dev/null || { log "go is not installed: CoreDNS is built with go from the module proxy"; exit 3; }
started=$SECONDS
work="$out/src"
mkdir -p "$work" "$coredns_bin"
cd "$work"
# A main package importing a subset of plugins is CoreDNS's documented way to build a smaller server: only
# registered plugins exist, in the fixed order of dnsserver.Directives.
cat >main.go <<'GO'
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/template"
)

func main() { coremain.Run() }
GO
if [ ! -f go.mod ]; then
  printf 'module slipway.local/coredns-build\n\ngo 1.24\n' >go.mod
fi
log "fetching github.com/coredns/coredns@$coredns_version"
GOFLAGS=-mod=mod go get "github.com/coredns/coredns@$coredns_version" >&2
log "building coredns $coredns_version"
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
  -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$coredns_version" \
  -o "$coredns_bin/coredns.tmp" . >&2
mv "$coredns_bin/coredns.tmp" "$coredns_bin/coredns"
touch "$out/.complete"
log "coredns built in $((SECONDS - started)) s"
echo "$coredns_bin"
