#!/usr/bin/env bash
# bench/guest-share.sh (make bench-guest-share): the share of dispatches that userspace
# decisions make under saturation, measured live. Reuses the head-to-head's harness
# (bench/demo/) for scx-slo edf only: the latency probe in cgroup `ls` next to stress-ng
# with 2x more hogs than CPUs in cgroup `batch`, three cells, one agent. In the QEMU
# guest when this kernel has no sched_ext. Ends with the line `guest-share: <percent> %`.
#
# Environment: SCX_GUEST_SHARE_OUT (results directory, default
# bench/results/guest-share-<date>), SCX_GUEST_SHARE_CELLS (default 3),
# SCX_GUEST_SHARE_PROBE_S (seconds per cell, default 8).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$REPO/bench/demo/harness.sh"
demo_check_build
OUT=${SCX_GUEST_SHARE_OUT:-$REPO/bench/results/guest-share-$(date +%Y%m%d-%H%M%S)}
demo_measure "$OUT" --scenarios probe --schedulers slo-edf --rounds "${SCX_GUEST_SHARE_CELLS:-3}" \
  --probe-s "${SCX_GUEST_SHARE_PROBE_S:-8}" --idle-s 0 --trace-s 0
node "$OUT/snapshot/dist/bench/demo/guest-share.js" --dir "$OUT"
