#!/usr/bin/env bash
# Builds the binaries of the CI's single-node Kubernetes from the Go module proxy (nothing else is reachable here):
# kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kubectl (v1.33.13: the proxy here lacks several v0.32 staging modules) and etcd
# (v3.5.x), into $SLIPWAY_MACHINE_STATE/k8s/<versions>/bin, then CoreDNS (build-coredns.sh). Versions: lib.sh.
# Cached: a second run with the same versions does nothing (about 50 ms).
# Cold cost on 2 cores: see docs/kubernetes-cluster.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh" # versions and the cache folder
bin="$k8s_bin"
out="$(dirname "$bin")"
log() { printf '[k8s-build] %s\n' "$*" >&2; }

components=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
have_all() {
  for c in "${components[@]}" etcd; do [ -x "$bin/$c" ] || return 1; done
  [ -f "$out/.complete" ]
}
if have_all; then
  bash "$here/build-coredns.sh" >/dev/null
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { log "go is not installed: the cluster's binaries are built with go from the module proxy"; exit 3; }
mkdir -p "$bin"
work="$out/src"
mkdir -p "$work/kubernetes" "$work/etcd"
started=$SECONDS
staging=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider cluster-bootstrap
  code-generator component-base component-helpers controller-manager cri-api cri-client csi-translation-lib
  dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator kube-controller-manager kube-proxy
  kube-scheduler kubectl kubelet metrics mount-utils pod-security-admission)
minor_patch="${k8s_version#v1.}"
staging_version="v0.$minor_patch"

# --- Kubernetes: a wrapper module replacing each staging module by its published version
cd "$work/kubernetes"
if [ ! -f go.mod ]; then
  {
    echo "module slipway.local/k8s-build"
    echo
    echo "go 1.23"
    echo
    echo "require k8s.io/kubernetes $k8s_version"
    echo
    for m in "${staging[@]}"; do echo "replace k8s.io/$m => k8s.io/$m $staging_version"; done
  } > go.mod
fi
# a go file that imports nothing keeps `go` happy about the module having packages
[ -f tools.go ] || printf 'package main\n\nfunc main() {}\n' > tools.go
for c in "${components[@]}"; do
  [ -x "$bin/$c" ] && continue
  log "fetching k8s.io/kubernetes/cmd/$c@$k8s_version"
  GOFLAGS=-mod=mod go get "k8s.io/kubernetes/cmd/$c@$k8s_version" >&2
done
commit="$(go list -m -f '{{.Version}}' k8s.io/kubernetes)"
minor="${minor_patch%%.*}"
ld="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitCommit=$commit"
  ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
for c in "${components[@]}"; do
  [ -x "$bin/$c" ] && continue
  log "building $c ($((SECONDS - started)) s so far)"
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "$ld" -o "$bin/$c.tmp" "k8s.io/kubernetes/cmd/$c" >&2
  mv "$bin/$c.tmp" "$bin/$c"
done

# --- etcd: the server module also has replace directives; a wrapper that requires it builds the server binary
cd "$work/etcd"
if [ ! -x "$bin/etcd" ]; then
  if [ ! -f go.mod ]; then
    printf 'module slipway.local/etcd-build\n\ngo 1.23\n' > go.mod
    printf 'package main\n\nfunc main() {}\n' > tools.go
  fi
  log "fetching go.etcd.io/etcd/server/v3@$etcd_version"
  GOFLAGS=-mod=mod go get "go.etcd.io/etcd/server/v3@$etcd_version" >&2
  log "building etcd ($((SECONDS - started)) s so far)"
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3 >&2
  mv "$bin/etcd.tmp" "$bin/etcd"
fi
touch "$out/.complete"
log "built in $((SECONDS - started)) s"
bash "$here/build-coredns.sh" >/dev/null
echo "$bin"
