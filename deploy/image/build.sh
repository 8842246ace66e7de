#!/usr/bin/env bash
# build.sh [TAG]: `make image`. Builds deploy/Dockerfile with podman (default tag
# localhost/scx-slo:<package.json version>) on a machine that reaches Debian's archive
# and the npm registry but no container image registry: the base is made from Debian
# packages (make-base.sh) and passed as BASE_IMAGE. podman runs with
# deploy/image/containers.conf (CONTAINERS_CONF; see that file for why). When npm on
# this host has a `cafile` (TLS through an intercepting proxy), it is mounted for the
# build's RUN steps and named in NODE_EXTRA_CA_CERTS; it does not end up in the image.
# Prints the image's size and the build's wall time.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
version=$(node -p 'require(process.argv[1]).version' "$repo/package.json")
tag=${1:-localhost/scx-slo:$version}
base=${SCX_IMAGE_BASE:-localhost/scx-slo-base:bookworm}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/containers.conf}
say() { printf 'image: %s\n' "$*" >&2; }

command -v podman >/dev/null || { say "podman not found: apt-get install podman runc mmdebstrap"; exit 1; }
start=$(date +%s)
bash "$here/make-base.sh" "$base"

ca_args=()
cafile=$(npm config get cafile 2>/dev/null || true)
if [ -n "$cafile" ] && [ "$cafile" != null ] && [ "$cafile" != undefined ] && [ -r "$cafile" ]; then
  ca_args=(--volume "$cafile:/run/build-ca.pem:ro" --build-arg NODE_EXTRA_CA_CERTS=/run/build-ca.pem)
fi

podman build --layers --format docker -f "$repo/deploy/Dockerfile" \
  --build-arg "BASE_IMAGE=$base" "${ca_args[@]}" -t "$tag" "$repo"
# The image's root filesystem, as a tar would hold it (podman's Size).
size=$(podman image inspect --format '{{.Size}}' "$tag")
say "built $tag: $((size / 1000000)) MB, $(( $(date +%s) - start )) s"
