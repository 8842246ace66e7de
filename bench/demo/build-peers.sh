#!/usr/bin/env bash
# bench/demo/build-peers.sh [DEST]: builds the kernel's example sched_ext schedulers
# scx_simple and scx_flatcg (tools/sched_ext) for the head-to-head's peers, into DEST
# (default .cache/scx-peers). The source is Debian's linux-source-X.Y matching the guest
# kernel's X.Y, fetched with `apt-get download` from sid through a private apt
# configuration (the system's apt setup is untouched); the BTF comes from the guest
# kernel's vmlinux (bpf/vm/make-vmlinux-h.sh keeps it). Cached: does nothing when DEST
# already has both binaries. Never committed: .cache/ is git-ignored.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEST=${1:-$REPO/.cache/scx-peers}
VM_NAME=build-peers
source "$REPO/bpf/vm/lib.sh"   # say, die, private_apt

if [ -x "$DEST/scx_simple" ] && [ -x "$DEST/scx_flatcg" ]; then
  say "scx_simple and scx_flatcg already built in $DEST"
  exit 0
fi
mkdir -p "$DEST"
DEST=$(realpath "$DEST")
VM_CACHE=${SCX_VM_CACHE:-$REPO/.cache/vm}

# The guest kernel and its vmlinux (for BTF).
"$REPO/bpf/vm/fetch-kernel.sh" "$VM_CACHE/kernel" >&2 || die "no guest kernel"
release=$(cat "$VM_CACHE/kernel/release")
vmlinux=$VM_CACHE/vmlinux-$release
if [ ! -s "$vmlinux" ]; then
  bash "$REPO/bpf/vm/make-vmlinux-h.sh" "$DEST/vmlinux.h" >&2 || die "could not extract the guest kernel's vmlinux"
fi
[ -s "$vmlinux" ] || die "no $vmlinux after make-vmlinux-h.sh"
series=$(echo "$release" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
[ -n "$series" ] || die "cannot tell the kernel series of $release"

# linux-source-$series from Debian sid, through a private apt configuration.
work=$DEST/apt
src=$DEST/src
if [ ! -d "$src/tools/sched_ext" ]; then
  private_apt "$work" sid
  if ! ls "$work/debs"/linux-source-"$series"_*.deb >/dev/null 2>&1; then
    say "downloading linux-source-$series from Debian sid"
    apt-get "${APT[@]}" update >&2 || die "apt-get update failed (network?)"
    (cd "$work/debs" && apt-get "${APT[@]}" download "linux-source-$series" >&2) || die "apt-get download linux-source-$series failed"
  fi
  deb=$(ls "$work/debs"/linux-source-"$series"_*.deb | head -n1)
  say "extracting tools/, scripts/, include/, kernel/bpf/, arch/x86/include/ from $(basename "$deb")"
  rm -rf "$src.new"
  mkdir -p "$src.new"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$src.new" --wildcards '*/linux-source-*.tar.*'
  tarball=$(find "$src.new" -name "linux-source-*.tar.*" | head -n1)
  [ -n "$tarball" ] || die "no source tarball in $deb"
  top=$(basename "$tarball" | sed 's/\.tar\..*$//')
  tar -x -C "$src.new" -f "$tarball" --wildcards "$top/tools/*" "$top/scripts/*" "$top/include/*" \
    "$top/kernel/bpf/*" "$top/arch/x86/include/*" "$top/Makefile"
  rm -f "$tarball"
  rm -rf "$src"
  mv "$src.new/$top" "$src"
  rm -rf "$src.new"
fi

# Build with clang (LLVM=-19 picks clang-19, llvm-strip-19...; the sched_ext Makefile
# then adds -Wno-unused-command-line-argument for -rdynamic itself).
say "building scx_simple and scx_flatcg (a few minutes)"
llvm=1
command -v clang-19 >/dev/null && llvm=-19
rm -rf "$src/tools/sched_ext/build"
make -C "$src/tools/sched_ext" -j"$(nproc)" LLVM="$llvm" LD=ld HOSTLD=ld VMLINUX_BTF="$vmlinux" scx_simple scx_flatcg >&2 ||
  die "the build failed"
for b in scx_simple scx_flatcg; do
  cp "$src/tools/sched_ext/build/bin/$b" "$DEST/$b"
done
say "built $DEST/scx_simple and $DEST/scx_flatcg"
