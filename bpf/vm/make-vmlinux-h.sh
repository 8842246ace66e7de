#!/usr/bin/env bash
# make-vmlinux-h.sh OUT: writes OUT (a vmlinux.h) from the BTF of the guest kernel, which
# has the sched_ext types the host kernel lacks. Unpacks the ELF vmlinux from the guest
# kernel's vmlinuz (gzip, xz, zstd, lz4, bzip2 or lzma payload), keeps it as
# $REPO/.cache/vm/vmlinux-RELEASE (usable as VMLINUX_BTF for other BPF builds), runs
# `bpftool btf dump ... format c`, and checks OUT defines struct sched_ext_ops.
# OUT is rewritten only when its content changes. Guest kernel: SCX_VM_KERNEL_DIR, else
# the one fetch-kernel.sh provides.
set -euo pipefail
VM_NAME=make-vmlinux-h
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 OUT.h" >&2; exit 2; }
OUT=$1
need_cmd bpftool bpftool

KDIR=${SCX_VM_KERNEL_DIR:-}
if [ -z "$KDIR" ]; then
  KDIR=$VM_CACHE/kernel
  "$VM_DIR/fetch-kernel.sh" "$KDIR" >&2
fi
why=$(check_kernel_dir "$KDIR") || die "$why"
release=$(cat "$KDIR/release")
VMLINUX=$VM_CACHE/vmlinux-$release

u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }   # u32 FILE OFFSET (little endian)
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }

# decompress FILE: decompress FILE to stdout, choosing the tool by its magic bytes.
decompress() {
  local magic
  magic=$(od -An -tx1 -N6 "$1" | tr -d ' \n')
  case $magic in
    1f8b*) gzip -dc "$1" ;;
    fd377a585a00) need_cmd xz xz-utils; xz -dc "$1" ;;
    28b52ffd*) need_cmd zstd zstd; zstd -qdc "$1" ;;
    02214c18*) need_cmd lz4 lz4; lz4 -dc "$1" ;;
    425a68*) need_cmd bzip2 bzip2; bzip2 -dc "$1" ;;
    5d0000*) need_cmd xz xz-utils; xz --format=lzma -dc "$1" ;;
    *) return 1 ;;
  esac
}

# is_vmlinux FILE [SIZE]: FILE is an ELF (of SIZE bytes, when known).
is_vmlinux() {
  [ "$(head -c4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] &&
    { [ -z "${2:-}" ] || [ "$(stat -c %s "$1")" = "$2" ]; }
}

# extract VMLINUZ OUTFILE: the payload's place is in the bzImage setup header: it starts
# payload_offset (0x248) bytes into the protected-mode code, which follows the
# (setup_sects + 1) sectors of real-mode setup, and is payload_length (0x24c) long; its
# last 4 bytes hold the uncompressed size. Without a usable header, scan for the magic
# numbers of the compressors and try each place until one yields an ELF.
extract() {
  local z=$1 out=$2 tmp=$2.$$.part sects pm off len size pos
  if [ "$(dd if="$z" bs=1 skip=$((0x202)) count=4 status=none)" = HdrS ]; then
    sects=$(u8 "$z" $((0x1f1))); [ "$sects" -ne 0 ] || sects=4
    pm=$(( (sects + 1) * 512 ))
    off=$(u32 "$z" $((0x248))) len=$(u32 "$z" $((0x24c)))
    if [ "$len" -gt 4 ]; then
      tail -c +$((pm + off + 1)) "$z" | head -c $((len - 4)) >"$tmp.z"
      size=$(tail -c +$((pm + off + len - 4 + 1)) "$z" | head -c4 | od -An -tu4 | tr -d ' ')
      if decompress "$tmp.z" >"$tmp" 2>/dev/null && is_vmlinux "$tmp" "$size"; then
        rm -f "$tmp.z"; mv -f "$tmp" "$out"; return 0
      fi
    fi
  fi
  say "no usable bzImage header in $z; scanning it for compressed data"
  for pos in $(LC_ALL=C grep -obUaP '\x1f\x8b\x08|\xfd7zXZ\x00|\x28\xb5\x2f\xfd|\x02\x21\x4c\x18|BZh|\x5d\x00\x00' "$z" |
      cut -d: -f1 | head -n 50); do
    tail -c +$((pos + 1)) "$z" >"$tmp.z"
    decompress "$tmp.z" >"$tmp" 2>/dev/null || true   # trailing bytes may upset it
    if is_vmlinux "$tmp"; then rm -f "$tmp.z"; mv -f "$tmp" "$out"; return 0; fi
  done
  rm -f "$tmp" "$tmp.z"
  return 1
}

mkdir -p "$VM_CACHE"
if [ ! -s "$VMLINUX" ]; then
  extract "$KDIR/vmlinuz" "$VMLINUX" || die "found no ELF vmlinux inside $KDIR/vmlinuz"
  say "unpacked $VMLINUX ($(( $(stat -c %s "$VMLINUX") / 1048576 )) MiB)"
fi

mkdir -p "$(dirname "$OUT")"
new=$OUT.$$.new
trap 'rm -f "$new"' EXIT
bpftool btf dump file "$VMLINUX" format c >"$new" || die "bpftool could not dump the BTF of $VMLINUX"
grep -q '^struct sched_ext_ops {' "$new" || die "$VMLINUX has no struct sched_ext_ops in its BTF"
if cmp -s "$new" "$OUT"; then
  say "$OUT is up to date (kernel $release)"
else
  mv -f "$new" "$OUT"
  say "wrote $OUT from kernel $release ($(wc -l <"$OUT") lines)"
fi
