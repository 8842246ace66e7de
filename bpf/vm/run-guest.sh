#!/usr/bin/env bash
# run-guest.sh [options] SCRIPT [ARGS...]: runs SCRIPT with ARGS as root inside a QEMU
# guest booted on a kernel with sched_ext, and exits with SCRIPT's exit status.
# The guest sees the host's whole root read-only (node, the checkout, stress-ng...),
# /tmp included, with a tmpfs on top for writes, and a fresh /run. Fetches the kernel
# and builds the initramfs on first use (cached under $REPO/.cache/vm). The guest console (SCRIPT's
# output and kernel errors) streams to stdout line by line.
# Exit status: SCRIPT's; 124 on timeout; 125 if the harness or the guest setup failed.
set -euo pipefail
VM_NAME='run-guest'
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
die() { printf 'run-guest: error: %s\n' "$*" >&2; exit 125; }

usage() {
  cat >&2 <<EOF
usage: $0 [--timeout SEC] [--smp N] [--mem MB] [--out HOSTDIR] [--kernel-dir DIR]
          [--loglevel N] SCRIPT [ARGS...]
  SCRIPT       absolute path on the host, not under /run (the guest has its own /run);
               run directly if executable, else with sh; cwd = the caller's cwd
  --timeout    kill the guest after SEC seconds, exit 124 (default ${SCX_VM_TIMEOUT:-600}; 0 = none)
  --smp/--mem  vCPUs (default 2) and memory in MB (default 4096)
  --out        host directory shared writable, mounted at /mnt/out in the guest
               (\$SCX_VM_OUT is set there when present)
  --kernel-dir a directory made by fetch-kernel.sh (default \$REPO/.cache/vm/kernel)
  --loglevel   console loglevel while SCRIPT runs (default 7: sched_ext enable/disable
               notices, warnings and errors; the boot itself stays quiet)
EOF
  exit 125
}

TIMEOUT=${SCX_VM_TIMEOUT:-600} SMP=${SCX_VM_SMP:-2} MEM=${SCX_VM_MEM:-4096}
OUT='' KDIR='' LOGLEVEL=${SCX_VM_LOGLEVEL:-7}
ACCEL=${SCX_VM_ACCEL:-tcg,thread=multi}
while [ $# -gt 0 ]; do
  case $1 in
    --timeout|--smp|--mem|--out|--kernel-dir|--loglevel)
      [ $# -ge 2 ] || usage
      case $1 in
        --timeout) TIMEOUT=$2 ;; --smp) SMP=$2 ;; --mem) MEM=$2 ;;
        --out) OUT=$2 ;; --kernel-dir) KDIR=$2 ;; --loglevel) LOGLEVEL=$2 ;;
      esac
      shift 2 ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) echo "run-guest: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || usage
SCRIPT=$1; shift
for v in TIMEOUT SMP MEM LOGLEVEL; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "--${v,,} wants a number, got '${!v}'"
done

# SCRIPT must be visible in the guest: an absolute host path outside the guest's own
# tmpfs mounts, and plain enough to travel on the kernel command line.
case $SCRIPT in /*) ;; *) die "SCRIPT must be an absolute path, got '$SCRIPT'" ;; esac
[ -f "$SCRIPT" ] || die "SCRIPT $SCRIPT does not exist"
real=$(realpath "$SCRIPT")
case $real/ in
  /run/*|/dev/*|/proc/*|/sys/*)
    top=${real#/}; top=/${top%%/*}
    die "SCRIPT $SCRIPT is under $top: the guest mounts its own fresh $top and cannot see the host's; keep guest scripts in the checkout" ;;
esac
[[ $real =~ ^[A-Za-z0-9_./+@%:=,-]+$ ]] ||
  die "SCRIPT path $real has characters that cannot go on the kernel command line"

need_cmd qemu-system-x86_64 qemu-system-x86
qv=$(qemu-system-x86_64 --version | sed -n 's/^QEMU emulator version \([0-9]*\.[0-9]*\).*/\1/p')
case $ACCEL in tcg*thread=multi*)
  if [ -n "$qv" ] && [ "$(printf '%s\n' "$qv" 8.1 | sort -V | head -n1)" != 8.1 ]; then
    say "warning: QEMU $qv can crash the guest (int3 oops) when its kernel patches code," \
      "e.g. as a sched_ext scheduler attaches; install QEMU >= 8.1 (.ci/setup-host.sh" \
      "takes it from bookworm-backports) or set SCX_VM_ACCEL=tcg,thread=single"
  fi ;;
esac
need_cmd timeout coreutils
if [ -n "$OUT" ]; then
  mkdir -p "$OUT" || die "cannot create --out directory $OUT"
  OUT=$(realpath "$OUT")
fi

# Kernel and initramfs (both cached; quick when nothing changed).
if [ -n "$KDIR" ]; then
  why=$(check_kernel_dir "$KDIR") || die "--kernel-dir: $why"
else
  KDIR=$VM_CACHE/kernel
  "$VM_DIR/fetch-kernel.sh" "$KDIR" >&2 || die "could not get a guest kernel (fetch-kernel.sh failed)"
fi
release=$(cat "$KDIR/release")
INITRD=$VM_CACHE/initramfs-$release.cpio.gz
"$VM_DIR/build-initramfs.sh" "$KDIR" "$INITRD" || die "could not build the initramfs"

# Arguments and cwd travel base64-encoded: shell-quoted words, decoded in the guest.
quoted=
for a in "$@"; do quoted+=" '${a//\'/\'\\\'\'}'"; done
cwd=$PWD
case $cwd/ in /run/*) cwd=$(dirname "$real") ;; esac
# tsc=unstable: under TCG the clocksource watchdog otherwise marks the TSC unstable at
# run time, and the live code patching that follows has panicked the guest (int3 in
# sched_clock_cpu). Deciding it at boot avoids the patching.
APPEND="console=ttyS0 quiet loglevel=3 panic=-1 tsc=unstable guestcmd=$real"
[ -z "$quoted" ] || APPEND+=" guestargs=$(printf '%s' "$quoted" | base64 -w0)"
APPEND+=" guestcwd=$(printf '%s' "$cwd" | base64 -w0) guestloglevel=$LOGLEVEL"
APPEND+=${SCX_VM_APPEND:+ $SCX_VM_APPEND}   # extra kernel parameters, if any
[ ${#APPEND} -le 2000 ] ||
  die "arguments too long for the kernel command line (${#APPEND} bytes); pass a file instead"

run=$(mktemp -d "${TMPDIR:-/tmp}/scx-vm-run.XXXXXX")
cleanup() { # stop QEMU if it is still running (we were interrupted), drop the run dir
  local pid='' _
  if [ ! -e "$run/qemu.rc" ] && [ -n "${started:-}" ]; then
    for _ in 1 2 3 4 5; do   # QEMU writes its pid file early; wait for it briefly
      pid=$(cat "$run/qemu.pid" 2>/dev/null || true)
      [ -z "$pid" ] || break
      sleep 1
    done
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
    wait 2>/dev/null || true
  fi
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# qboot (in qemu-system-data) boots about 1 s faster than SeaBIOS and prints nothing.
BIOS=${SCX_VM_BIOS-/usr/share/qemu/qboot.rom}
qemu=(qemu-system-x86_64 -accel "$ACCEL" -cpu max -smp "$SMP" -m "$MEM"
  -nographic -no-reboot -nic none -pidfile "$run/qemu.pid"
  -kernel "$KDIR/vmlinuz" -initrd "$INITRD" -append "$APPEND"
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
[ ! -f "$BIOS" ] || qemu+=(-bios "$BIOS")
[ -z "$OUT" ] ||
  qemu+=(-virtfs "local,path=${OUT//,/,,},mount_tag=out,security_model=none,multidevs=remap")

say "booting $release (smp $SMP, ${MEM} MB, timeout ${TIMEOUT}s): $real${quoted}"
start=${EPOCHREALTIME/./} started=1
# In the background so that a signal to this script is handled at once (cleanup).
{ q=0; timeout -k 10 "$TIMEOUT" "${qemu[@]}" </dev/null 2>&1 || q=$?; echo $q >"$run/qemu.rc"; } |
  sed -u -e 's/\r$//' -e 's/\x1b\(\[[0-9;?]*[A-Za-z]\|c\)//g' | tee "$run/console.log" &
wait $! || true
qrc=$(cat "$run/qemu.rc" 2>/dev/null || echo 125)
el=$(( (${EPOCHREALTIME/./} - start) / 100000 ))
secs=$((el / 10)).$((el % 10))

rc=$(grep -ao 'GUEST-EXIT rc=[0-9]*' "$run/console.log" | tail -n1 | cut -d= -f2 || true)
if [ "$qrc" -eq 124 ] && [ "$TIMEOUT" -gt 0 ]; then
  say "timeout: the guest ran longer than ${TIMEOUT}s and was killed"
  exit 124
elif [ -n "$rc" ]; then
  say "guest exited rc=$rc after ${secs}s"
  exit "$rc"
elif [ ! -s "$run/console.log" ] || [ "$qrc" -ne 0 ]; then
  die "QEMU failed to start or crashed (exit $qrc); its messages, if any, are above"
else
  die "the guest stopped without reporting GUEST-EXIT (kernel panic? see the console above)"
fi
