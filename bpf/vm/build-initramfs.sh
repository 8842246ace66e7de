#!/usr/bin/env bash
# build-initramfs.sh KERNEL_DIR OUT.cpio.gz: builds the test guest's initramfs: static
# busybox, guest-init.sh as /init, and the 9p/overlay modules from KERNEL_DIR (as made
# by fetch-kernel.sh). Rebuilds only when an input changed (their hashes are kept in
# OUT.inputs), so a second run costs a few milliseconds.
set -euo pipefail
VM_NAME=build-initramfs
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 2 ] || { echo "usage: $0 KERNEL_DIR OUT.cpio.gz" >&2; exit 2; }
KDIR=$1 OUT=$2
why=$(check_kernel_dir "$KDIR") || die "$KDIR is not a guest kernel directory ($why); run fetch-kernel.sh"
need_cmd cpio cpio
need_cmd gzip gzip

BUSYBOX=${SCX_VM_BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found: install the Debian package 'busybox-static'"
[[ $(ldd "$BUSYBOX" 2>&1 || true) =~ "not a dynamic executable"|"statically linked" ]] ||
  die "$BUSYBOX is dynamically linked: install the Debian package 'busybox-static'"

INIT=$VM_DIR/guest-init.sh
mkdir -p "$(dirname "$OUT")"
exec 9>"$OUT.lock"
flock 9

# Everything the image is made from: this script, /init, busybox, the modules.
inputs=$( { for m in "${VM_MODULES[@]}"; do sha256sum "$KDIR/$m.ko"; done
  sha256sum "$VM_DIR/build-initramfs.sh" "$INIT" "$BUSYBOX"
  echo "order ${VM_MODULES[*]}"; } | sed 's|  .*/|  |')
if [ -s "$OUT" ] && [ "$(cat "$OUT.inputs" 2>/dev/null)" = "$inputs" ]; then
  say "$OUT is up to date"
  exit 0
fi

root=$(mktemp -d "$OUT.root.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,lib/mod,lower,upper,newroot}
install -m 0755 "$BUSYBOX" "$root/bin/busybox"
install -m 0755 "$INIT" "$root/init"
for m in "${VM_MODULES[@]}"; do install -m 0644 "$KDIR/$m.ko" "$root/lib/mod/$m.ko"; done
echo "${VM_MODULES[*]}" >"$root/lib/mod/order"
# The kernel's built-in initramfs already has /dev/console; add it when we may.
[ "$(id -u)" -ne 0 ] || mknod -m 0600 "$root/dev/console" c 5 1

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
  cpio --null -o -H newc --owner=0:0 --quiet | gzip -6) >"$OUT.new"
mv -f "$OUT.new" "$OUT"
echo "$inputs" >"$OUT.inputs"
say "built $OUT ($(du -k "$OUT" | cut -f1) KiB)"
