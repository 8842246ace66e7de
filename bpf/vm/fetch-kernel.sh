#!/usr/bin/env bash
# fetch-kernel.sh [DEST]: makes sure DEST (default $REPO/.cache/vm/kernel) holds one
# Linux kernel with sched_ext for the test guest: vmlinuz, config, release and the
# modules netfs 9pnet 9pnet_virtio 9p overlay (uncompressed .ko), plus SHA256SUMS.
# Sources, first that works: (a) DEST already complete; (b) the team's shared cache
# $REPO/../shared/vm/kernel if its SHA256SUMS verify; (c) Debian sid/trixie-backports via
# `apt-get download` with a private sources list (the system's apt setup is untouched).
# Prints one line on stdout naming the source used.
# Environment: SCX_VM_SHARED_KERNEL (path of (b); empty to skip it),
#   SCX_VM_KERNEL_RELEASE (for (b) and (c): this release only, e.g. 7.2.13+deb14-amd64),
#   SCX_VM_KERNEL_PREFER (for (c): this release if Debian still has it, else the newest),
#   SCX_VM_KERNEL_SERIES (for (b) and (c): only releases of this series, e.g. 6.12),
#   SCX_VM_DEBIAN_SUITES (for (c): the suites searched, default "sid trixie-backports"),
#   SCX_VM_DEBIAN_MIRROR (default: the Debian mirror of this system's apt sources).
set -euo pipefail
VM_NAME=fetch-kernel
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEST=${1:-$VM_CACHE/kernel}
SHARED=${SCX_VM_SHARED_KERNEL-$REPO/../shared/vm/kernel}
PIN=${SCX_VM_KERNEL_RELEASE:-}
PIN=${PIN%-amd64}
PREFER=${SCX_VM_KERNEL_PREFER:-}
PREFER=${PREFER%-amd64}
MIRROR=$(debian_mirror)
SERIES=${SCX_VM_KERNEL_SERIES:-}
read -r -a SUITES <<<"${SCX_VM_DEBIAN_SUITES:-sid trixie-backports}"
MAX_TRIES=6   # candidate releases whose config we look at before giving up

mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)

# One fetch at a time per DEST (parallel `make` jobs share the cache).
exec 9>"$DEST.lock"
flock 9

# (a) Already there.
if why=$(check_kernel_dir "$DEST") && [ -s "$DEST/SHA256SUMS" ]; then
  echo "fetch-kernel: kernel $(cat "$DEST/release") already in $DEST"
  exit 0
fi

work=$(mktemp -d "$DEST.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/stage
mkdir -p "$stage"

# install_stage SOURCE-DESCRIPTION: check the staged kernel, copy it into DEST.
install_stage() {
  local why f
  why=$(check_kernel_dir "$stage") || die "kernel from $1 is unusable: $why"
  for f in vmlinuz config release "${VM_MODULES[@]/%/.ko}"; do
    install -m 0644 "$stage/$f" "$DEST/$f.new" && mv -f "$DEST/$f.new" "$DEST/$f"
  done
  (cd "$DEST" && sha256sum vmlinuz config release "${VM_MODULES[@]/%/.ko}" >SHA256SUMS.new &&
    mv -f SHA256SUMS.new SHA256SUMS)   # written last: marks DEST complete
  echo "fetch-kernel: kernel $(cat "$DEST/release") from $1 into $DEST"
}

# (b) The shared cache, when present and intact.
if [ -n "$SHARED" ] && [ -f "$SHARED/SHA256SUMS" ]; then
  vmlinuz=$(find "$SHARED" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
  rel=${vmlinuz##*/vmlinuz-}
  if [ -z "$vmlinuz" ]; then
    say "no vmlinuz-* in $SHARED; ignoring it"
  elif ! (cd "$SHARED" && sha256sum --quiet -c SHA256SUMS >&2); then
    say "SHA256SUMS do not verify in $SHARED; ignoring it"
  elif [ -n "$PIN" ] && [ "$rel" != "$PIN-amd64" ]; then
    say "$SHARED has $rel, not the requested $PIN-amd64; ignoring it"
  elif [ -n "$SERIES" ] && [[ $rel != "$SERIES".* ]]; then
    say "$SHARED has $rel, not of the requested series $SERIES; ignoring it"
  else
    cp "$vmlinuz" "$stage/vmlinuz"
    cp "$SHARED/config-$rel" "$stage/config"
    echo "$rel" >"$stage/release"
    for m in "${VM_MODULES[@]}"; do cp "$SHARED/$m.ko" "$stage/$m.ko"; done
    install_stage "shared cache $SHARED (SHA256SUMS verified)"
    exit 0
  fi
fi

# (c) Debian, through a private apt configuration under $work.
need_cmd apt-get apt
need_cmd dpkg-deb dpkg
private_apt "$work" "${SUITES[@]}"

say "reading the package lists of ${SUITES[*]} from $MIRROR"
apt-get "${APT[@]}" update >&2 || die "apt-get update against $MIRROR failed (network?)"

# (No `grep -q` after a pipe here: under pipefail its early exit fails the writer.)
have_pkg() { apt-cache "${APT[@]}" show --no-all-versions "$1" 2>/dev/null | grep '^Package:' >/dev/null; }
download() { # download PKG: fetch PKG's .deb into $work/debs, print its path
  (cd "$work/debs" && apt-get "${APT[@]}" download "$1" >&2) || die "apt-get download $1 failed"
  ls "$work/debs/$1"_*.deb
}
# extract DEB DIR PATTERN...: unpack the members matching any PATTERN (GNU tar
# wildcards) into DIR; members that are absent are not an error here.
extract() {
  local deb=$1 dir=$2; shift 2
  mkdir -p "$dir"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" --wildcards "$@" 2>/dev/null || true
}

# Candidate releases, newest first: generic amd64 flavour only (not cloud, not rt).
mapfile -t releases < <(apt-cache "${APT[@]}" pkgnames linux- |
  sed -n 's/^linux-\(image\|binary\)-\([0-9].*\)-amd64$/\2/p' |
  grep -Ev -e '-(cloud|rt)$' -e 'unsigned|dbg' | sort -uVr)
[ ${#releases[@]} -gt 0 ] || die "no linux-image-*-amd64 package found in ${SUITES[*]}"
if [ -n "$SERIES" ]; then
  mapfile -t releases < <(printf '%s\n' "${releases[@]}" | awk -v s="$SERIES." 'index($0, s) == 1')
  [ ${#releases[@]} -gt 0 ] || die "no linux-image-$SERIES.*-amd64 package found in ${SUITES[*]}"
fi
if [ -n "$PREFER" ] && printf '%s\n' "${releases[@]}" | grep -xF "$PREFER" >/dev/null; then
  # The preferred release first, the others (newest first) as the fallback.
  mapfile -t releases < <(echo "$PREFER"; printf '%s\n' "${releases[@]}" | grep -vxF "$PREFER")
fi
if [ -n "$PIN" ]; then
  printf '%s\n' "${releases[@]}" | grep -xF "$PIN" >/dev/null ||
    die "release $PIN-amd64 not found; available: ${releases[*]/%/-amd64}"
  releases=("$PIN")
fi

rel=
tries=0
for r in "${releases[@]}"; do
  [ $tries -lt $MAX_TRIES ] || break
  tries=$((tries + 1))
  # The config is in linux-base-R (current layout) or in linux-image-R (older layout).
  if have_pkg "linux-base-$r-amd64"; then cfgpkg=linux-base-$r-amd64; else cfgpkg=linux-image-$r-amd64; fi
  say "checking $cfgpkg for CONFIG_SCHED_CLASS_EXT=y"
  deb=$(download "$cfgpkg")
  extract "$deb" "$work/root" "*/config-$r-amd64" "*/modules/$r-amd64/config"
  cfg=$(find "$work/root" -type f \( -name "config-$r-amd64" -o -path "*/modules/$r-amd64/config" \) | head -n1)
  if [ -n "$cfg" ] && grep -qx 'CONFIG_SCHED_CLASS_EXT=y' "$cfg"; then
    rel=$r-amd64
    cp "$cfg" "$stage/config"
    break
  fi
  if [ -n "$cfg" ]; then say "$r-amd64 has no sched_ext; trying an older one"
  else say "$r-amd64: no config found in $cfgpkg; trying an older one"; fi
done
[ -n "$rel" ] || die "none of the newest $tries kernels in ${SUITES[*]} has CONFIG_SCHED_CLASS_EXT=y"
echo "$rel" >"$stage/release"

# The image is in linux-binary-R (current layout) or linux-image-R; modules likewise
# in linux-modules-R or linux-image-R.
if have_pkg "linux-binary-$rel"; then imgpkg=linux-binary-$rel; else imgpkg=linux-image-$rel; fi
if have_pkg "linux-modules-$rel"; then modpkg=linux-modules-$rel; else modpkg=linux-image-$rel; fi
say "downloading $imgpkg and $modpkg"
deb=$(download "$imgpkg")
extract "$deb" "$work/root" "*/vmlinuz-$rel" "*/modules/$rel/vmlinuz"
img=$(find "$work/root" -type f \( -name "vmlinuz-$rel" -o -path "*/modules/$rel/vmlinuz" \) | head -n1)
[ -n "$img" ] || die "no vmlinuz for $rel in $imgpkg"
cp "$img" "$stage/vmlinuz"

[ "$modpkg" = "$imgpkg" ] || deb=$(download "$modpkg")
pats=()
for m in "${VM_MODULES[@]}"; do pats+=("*/$m.ko" "*/$m.ko.xz" "*/$m.ko.zst" "*/$m.ko.gz"); done
extract "$deb" "$work/mods" "${pats[@]}"
for m in "${VM_MODULES[@]}"; do
  f=$(find "$work/mods" -type f -path "*/$rel/*" -name "$m.ko*" | head -n1)
  case "$f" in
    "") die "module $m not found in $modpkg" ;;
    *.ko) cp "$f" "$stage/$m.ko" ;;
    *.ko.xz) need_cmd xz xz-utils; xz -dc "$f" >"$stage/$m.ko" ;;
    *.ko.zst) need_cmd zstd zstd; zstd -qdc "$f" >"$stage/$m.ko" ;;
    *.ko.gz) gzip -dc "$f" >"$stage/$m.ko" ;;
  esac
done
install_stage "Debian ($imgpkg, $modpkg, $cfgpkg)"
