#!/usr/bin/env bash
# bench/demo.sh (make demo): the noisy-neighbour head-to-head. A latency-sensitive probe
# in cgroup `ls` (cyclictest as SCHED_OTHER, tight SLO, high importance) next to
# CPU-bound batch in cgroup `batch` (stress-ng, 2x more hogs than CPUs), under the
# kernel's default scheduler, scx-slo edf (delegated to userspace), scx-slo with its
# agent SIGSTOPped (in-kernel fallback only) and scx-slo fair; interleaved rounds. Then
# the table, a JSON summary, an SVG chart, and the simulator's replay of a recorded trace
# of the same scenario set beside the measurement.
#
# On a host whose kernel has sched_ext this measures on the host; otherwise in the QEMU
# guest of bpf/vm/run-guest.sh (kernel fetched on first use). Needs `make build` first.
#
# Environment:
#   SCX_DEMO_OUT       results directory (default bench/results/demo-<date>)
#   SCX_DEMO_ROUNDS    repetitions (default 3)
#   SCX_DEMO_PROBE_S   seconds per cell (default 10)
#   SCX_DEMO_SCHEDULERS  the schedulers compared (default
#                      default,slo-edf,slo-fallback,slo-fair; slo-edf-inline runs the
#                      policy on the agent's main thread, --workers 0)
#   SCX_DEMO_ALT_BPF_OBJECT  another build of scx_slo.bpf.o for the slo-edf-alt cells
#                      (copied into the results directory): two kernel-side versions
#                      compared in one run, e.g. SCX_DEMO_SCHEDULERS=default,slo-edf,slo-edf-alt
#   SCX_DEMO_PEERS     1: also run the kernel's example schedulers scx_simple and
#                      scx_flatcg (built from Debian's linux-source by
#                      bench/demo/build-peers.sh into .cache/scx-peers; takes minutes)
#   SCX_DEMO_FORCE_GUEST, SCX_DEMO_TIMEOUT: see bench/demo/harness.sh
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$REPO/bench/demo/harness.sh"
demo_check_build

OUT=${SCX_DEMO_OUT:-$REPO/bench/results/demo-$(date +%Y%m%d-%H%M%S)}
ROUNDS=${SCX_DEMO_ROUNDS:-3}
PROBE_S=${SCX_DEMO_PROBE_S:-10}
SCHEDULERS=${SCX_DEMO_SCHEDULERS:-default,slo-edf,slo-fallback,slo-fair}
args=(--rounds "$ROUNDS" --probe-s "$PROBE_S")

if [ "${SCX_DEMO_PEERS:-0}" = 1 ]; then
  peers=$REPO/.cache/scx-peers
  if bash "$REPO/bench/demo/build-peers.sh" "$peers"; then
    SCHEDULERS+=,scx_simple,scx_flatcg
    args+=(--peer-dir "$peers")
  else
    demo_say "could not build the kernel's example schedulers: comparing without them"
  fi
fi
args+=(--schedulers "$SCHEDULERS")
if [ -n "${SCX_DEMO_ALT_BPF_OBJECT:-}" ]; then
  mkdir -p "$OUT"
  cp "$SCX_DEMO_ALT_BPF_OBJECT" "$OUT/alt-scx_slo.bpf.o"
  args+=(--alt-bpf-object alt-scx_slo.bpf.o)
fi

load_before=$(demo_host_load)
t0=$SECONDS
demo_say "head-to-head: $ROUNDS rounds x [$SCHEDULERS], ${PROBE_S} s per cell; results in $OUT"
demo_measure "$OUT" "${args[@]}"
load_after=$(demo_host_load)
note="host: $(nproc) CPUs, load average $load_before before and $load_after after the measurement ($((SECONDS - t0)) s)"
if awk -v a="${load_before%% *}" -v n="$(nproc)" 'BEGIN { exit !(a > n * 0.75) }'; then
  note+="; the host was busy before the run: other processes competed with the guest's vCPUs, so the figures are noisier than usual"
fi
node "$OUT/snapshot/dist/bench/demo/report.js" --dir "$OUT" --host-note "$note"
