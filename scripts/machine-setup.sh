#!/usr/bin/env bash
# Installs and starts what slipway's example and tests need on a Debian machine with no pulled images:
# the Docker engine, a local OCI registry on 127.0.0.1:5000, debootstrap, caddy and the local base images.
# Idempotent: each step checks first and does nothing when its work is already there.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
state="${SLIPWAY_MACHINE_STATE:-/var/lib/slipway-machine}"
mkdir -p "$state"
log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need_pkgs=()
command -v dockerd >/dev/null || need_pkgs+=(docker.io)
[ -x /usr/bin/docker-registry ] || need_pkgs+=(docker-registry)
command -v debootstrap >/dev/null || need_pkgs+=(debootstrap)
command -v caddy >/dev/null || need_pkgs+=(caddy)
command -v curl >/dev/null || need_pkgs+=(curl)
command -v xmllint >/dev/null || need_pkgs+=(libxml2-utils) # validates JUnit reports against their XSD in tests
# the CI's Kubernetes (scripts/k8s/up.sh): kube-proxy needs conntrack, pods a bridge CNI, the pause image catatonit
command -v conntrack >/dev/null || need_pkgs+=(conntrack)
command -v catatonit >/dev/null || need_pkgs+=(catatonit)
[ -x /usr/lib/cni/bridge ] || need_pkgs+=(containernetworking-plugins)
command -v openssl >/dev/null || need_pkgs+=(openssl)
command -v rsync >/dev/null || need_pkgs+=(rsync) # gitlab-ci-local copies the tracked files with it (pipeline test)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  as_root apt-get update -qq
  # the registry package starts a service on install; no init system here, and we run our own anyway
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# The Debian CLI (20.10) does BuildKit with DOCKER_BUILDKIT=1; a newer CLI earlier on PATH may lack buildx.
DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER="$(command -v docker)"

if ! "$DOCKER" version >/dev/null 2>&1; then
  log "starting dockerd"
  # /24 networks from one /14: room for a thousand preview environments (the default pools hold about 30)
  as_root bash -c 'nohup dockerd --default-address-pool base=172.28.0.0/14,size=24 >/var/log/slipway-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do "$DOCKER" version >/dev/null 2>&1 && break; sleep 0.5; done
  "$DOCKER" version >/dev/null 2>&1 || { log "dockerd did not start: see /var/log/slipway-dockerd.log"; exit 3; }
fi

registry_up() { curl -fs -o /dev/null http://127.0.0.1:5000/v2/; }
if ! registry_up; then
  log "starting the local OCI registry on 127.0.0.1:5000"
  mkdir -p "$state/registry"
  cat >"$state/registry.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $state/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
YAML
  as_root bash -c "nohup /usr/bin/docker-registry serve '$state/registry.yml' >/var/log/slipway-registry.log 2>&1 &"
  for _ in $(seq 1 40); do registry_up && break; sleep 0.25; done
  registry_up || { log "registry did not start: see /var/log/slipway-registry.log"; exit 3; }
fi

bash "$root/examples/scolarite/base-images/build.sh"
# k6 for `slipway loadtest` and its tests: built once from the Go module proxy (3-4 minutes cold), then cached
bash "$here/install-k6.sh" >/dev/null
log "machine ready"
