#!/usr/bin/env bash
# make-base.sh [IMAGE]: builds the Debian bookworm base image (default
# localhost/scx-slo-base:bookworm) from Debian packages, for machines that reach Debian's
# archive but no container image registry: mmdebstrap --variant=minbase (what
# debian:bookworm-slim holds) on the mirror of this system's own apt sources
# (.ci/apt-source.sh), then `podman import`. `make image` passes the result to
# deploy/Dockerfile as BASE_IMAGE. Does nothing when IMAGE exists (SCX_IMAGE_REBUILD_BASE=1
# rebuilds it).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
img=${1:-localhost/scx-slo-base:bookworm}
say() { printf 'make-base: %s\n' "$*" >&2; }

command -v podman >/dev/null || { say "podman not found: apt-get install podman"; exit 1; }
command -v mmdebstrap >/dev/null || { say "mmdebstrap not found: apt-get install mmdebstrap"; exit 1; }
if [ "${SCX_IMAGE_REBUILD_BASE:-0}" != 1 ] && podman image exists "$img"; then
  say "$img already exists"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The image keeps these sources: apt inside the build finds the same mirror.
bash "$repo/.ci/apt-source.sh" --format list bookworm bookworm-updates bookworm-security >"$work/debian.list"
say "mmdebstrap bookworm (minbase) from $(bash "$repo/.ci/apt-source.sh" --format uri bookworm)"
mmdebstrap --quiet --variant=minbase --aptopt='Acquire::Languages "none"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  bookworm "$work/base.tar" "$work/debian.list"
podman import --quiet --change 'CMD ["bash"]' \
  --message "Debian bookworm minbase (mmdebstrap)" "$work/base.tar" "$img" >/dev/null
say "built $img ($(podman image inspect --format '{{.Size}}' "$img") bytes)"
