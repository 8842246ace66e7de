#!/bin/sh
# bench/demo/in-guest.sh: the guest command of bench/demo.sh and bench/guest-share.sh
# (bpf/vm/run-guest.sh runs it inside the sched_ext QEMU guest): the measuring half of
# the head-to-head, writing into the host directory shared at $SCX_VM_OUT.
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd)
[ -n "${SCX_VM_OUT:-}" ] || { echo "in-guest: no shared output directory (run-guest.sh --out)"; exit 125; }
echo "in-guest: kernel $(uname -r), $(nproc) CPUs, sched_ext $(cat /sys/kernel/sched_ext/state 2>/dev/null || echo missing)"
# The snapshot of dist/ that bench/demo/harness.sh froze for this run, if any.
DIST=$REPO/dist
[ -f "$SCX_VM_OUT/snapshot/dist/bench/demo/guest-run.js" ] && DIST=$SCX_VM_OUT/snapshot/dist
exec node "$DIST/bench/demo/guest-run.js" --out "$SCX_VM_OUT" "$@"
