# lib.sh: shared definitions for the sched_ext guest harness in bpf/vm/.
# Sourced (not run) by fetch-kernel.sh, build-initramfs.sh, run-guest.sh and friends:
# repository paths, the cache layout, the module list, and small helpers.
# Callers set `set -euo pipefail` and VM_NAME (the prefix of their messages).

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$VM_DIR/../.." && pwd)
VM_CACHE=${SCX_VM_CACHE:-$REPO/.cache/vm}

# The modules the guest needs to mount the host root (9p) with an overlay on top,
# in load order. The initramfs and fetch-kernel.sh both use this list.
VM_MODULES=(netfs 9pnet 9pnet_virtio 9p overlay)

say() { printf '%s: %s\n' "${VM_NAME:-vm}" "$*" >&2; }
die() { printf '%s: error: %s\n' "${VM_NAME:-vm}" "$*" >&2; exit 1; }

# debian_mirror: the Debian archive URI: $SCX_VM_DEBIAN_MIRROR, else the one this
# system's own apt sources use (.ci/apt-source.sh).
debian_mirror() {
  if [ -n "${SCX_VM_DEBIAN_MIRROR:-}" ]; then echo "$SCX_VM_DEBIAN_MIRROR"; return; fi
  bash "$REPO/.ci/apt-source.sh" --format uri sid ||
    die "no Debian mirror in this system's apt sources: set SCX_VM_DEBIAN_MIRROR"
}

# private_apt WORK SUITE...: sets the array APT to apt-get options that read Debian's
# SUITEs (from debian_mirror) through a sources list, package
# lists and cache of their own under WORK, so the system's apt setup is never touched.
# Makes WORK/debs for downloads.
private_apt() {
  local work=$1 keyring=/usr/share/keyrings/debian-archive-keyring.gpg s mirror
  shift
  mirror=$(debian_mirror)
  [ -r "$keyring" ] || die "$keyring missing: install the Debian package 'debian-archive-keyring'"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/empty"
  for s in "$@"; do
    echo "deb [signed-by=$keyring] $mirror $s main"
  done >"$work/sources.list"
  APT=(-qq
    -o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/empty"
    -o "Dir::Etc::Preferences=$work/empty/preferences" -o "Dir::Etc::PreferencesParts=$work/empty"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
    -o Dir::State::status=/dev/null -o Debug::NoLocking=1
    -o APT::Architecture=amd64 -o APT::Architectures=amd64 -o Acquire::Languages=none)
  if [ "$(id -u)" -eq 0 ]; then APT+=(-o APT::Sandbox::User=root); fi
}

need_cmd() { # need_cmd CMD PACKAGE
  command -v "$1" >/dev/null 2>&1 ||
    die "'$1' not found: install the Debian package '$2' (.ci/setup-host.sh does)"
}

# Release string embedded in a bzImage (setup header: kernel_version pointer at 0x20e,
# relative to 0x200), e.g. "7.2.13+deb14-amd64". Empty if the file is not a bzImage.
bzimage_release() {
  local f=$1 magic off
  magic=$(dd if="$f" bs=1 skip=$((0x202)) count=4 status=none 2>/dev/null || true)
  [ "$magic" = HdrS ] || return 0
  off=$(od -An -tu2 -j $((0x20e)) -N2 "$f" | tr -d ' ')
  [ -n "$off" ] && [ "$off" -gt 0 ] || return 0
  tail -c +$((off + 0x200 + 1)) "$f" | head -c 256 | tr '\0' '\n' | head -n1 | cut -d' ' -f1
}

# check_kernel_dir DIR: succeed when DIR holds a usable guest kernel (vmlinuz, config
# with sched_ext, release, the modules, all for the same release); else print why.
check_kernel_dir() {
  local d=$1 rel m f
  for f in vmlinuz config release "${VM_MODULES[@]/%/.ko}"; do
    [ -s "$d/$f" ] || { echo "missing $d/$f"; return 1; }
  done
  rel=$(cat "$d/release")
  grep -qx 'CONFIG_SCHED_CLASS_EXT=y' "$d/config" ||
    { echo "$d/config lacks CONFIG_SCHED_CLASS_EXT=y"; return 1; }
  [ "$(bzimage_release "$d/vmlinuz")" = "$rel" ] ||
    { echo "$d/vmlinuz is not release $rel"; return 1; }
  for m in "${VM_MODULES[@]}"; do
    LC_ALL=C grep -aq "vermagic=$rel " "$d/$m.ko" ||
      { echo "$d/$m.ko was not built for $rel"; return 1; }
  done
}
