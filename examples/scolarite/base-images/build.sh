#!/usr/bin/env bash
# Builds local stand-ins for the public base images the example's Dockerfiles name, for machines that cannot pull:
#   debian:bookworm-slim   a debootstrap minbase rootfs
#   node:20-bookworm-slim  that rootfs + the host's Node.js 20 install (node, npm, npx), user node (uid 1000)
#   postgres:15-bookworm   that rootfs + Debian's postgresql-15 + an entrypoint honouring POSTGRES_* variables
# On a machine with internet none of this is needed: the same Dockerfiles pull the real images.
# Idempotent: an image is rebuilt only when its recipe (this folder) changed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="${SLIPWAY_MACHINE_STATE:-/var/lib/slipway-machine}"
DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER="$(command -v docker)"
log() { printf '[base-images] %s\n' "$*" >&2; }
recipe="$(cat "$here"/build.sh "$here"/*.Dockerfile "$here"/*.sh | sha256sum | cut -c1-16)"

has_image() { [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "dev.slipway.base-recipe"}}' "$1" 2>/dev/null || true)" = "$recipe" ]; }

if ! has_image debian:bookworm-slim; then
  tarball="$state/bookworm-minbase.tar"
  if [ ! -s "$tarball" ]; then
    log "debootstrap bookworm (about 30 s)"
    rootfs="$(mktemp -d "$state/rootfs.XXXXXX")"
    mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
    debootstrap --variant=minbase bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" >"$state/debootstrap.log" 2>&1 \
      || { log "debootstrap failed: see $state/debootstrap.log"; exit 3; }
    # keep the image small and reproducible like the official slim image
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  fi
  log "importing debian:bookworm-slim"
  "$DOCKER" import -c 'CMD ["bash"]' -c "LABEL dev.slipway.base-recipe=$recipe" "$tarball" debian:bookworm-slim >/dev/null
fi

if ! has_image node:20-bookworm-slim; then
  log "building node:20-bookworm-slim from the host's Node.js $(node --version)"
  ctx="$(mktemp -d)"
  trap 'rm -rf "$ctx"' EXIT
  node_bin="$(readlink -f "$(command -v node)")"
  npm_dir="$(dirname "$(readlink -f "$(command -v npm)")")/.."
  mkdir -p "$ctx/usr/local/bin" "$ctx/usr/local/lib/node_modules"
  cp "$node_bin" "$ctx/usr/local/bin/node"
  cp -r "$(readlink -f "$npm_dir")" "$ctx/usr/local/lib/node_modules/npm"
  cp "$here/node.Dockerfile" "$ctx/Dockerfile"
  DOCKER_BUILDKIT=1 "$DOCKER" build -q --label "dev.slipway.base-recipe=$recipe" -t node:20-bookworm-slim "$ctx" >/dev/null
fi

if ! has_image postgres:15-bookworm; then
  log "building postgres:15-bookworm from Debian's postgresql-15"
  DOCKER_BUILDKIT=1 "$DOCKER" build -q --label "dev.slipway.base-recipe=$recipe" -t postgres:15-bookworm \
    -f "$here/postgres.Dockerfile" "$here" >/dev/null
fi
log "base images ready"
