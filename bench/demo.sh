#!/usr/bin/env bash
# bench/demo.sh (make demo): the head-to-head. Main scenario `service`: a Kubernetes-shaped
# 2-CPU node (kubelet's cpu.weights under kubepods.slice: a service pod requesting 250m
# running the open-loop bench/service/slo-service, 2 ms of CPU per request, SLO 20 ms /
# importance 90; batch pods requesting 1750m running stress-ng with 2 hogs per CPU, SLO
# 1 s / 10). Rows: the kernel's default scheduler, the same with the service's cpu.weight
# hand-tuned to 10000, scx-slo edf (agent settings: bench/demo/agent-settings.ts),
# scx-slo with its agent SIGSTOPped (in-kernel EDF), and the kernel's example schedulers
# scx_simple and scx_flatcg; interleaved rounds. Then the table, the goals (MET / NOT
# MET), a JSON summary (its path printed last), an SVG chart per scenario, the traced
# wake-to-run per row, and the simulator beside the measurement.
#
# On a host whose kernel has sched_ext this measures on the host; otherwise in the QEMU
# guest of bpf/vm/run-guest.sh (kernel fetched on first use). Needs `make build` first.
#
# Environment:
#   SCX_DEMO_OUT       results directory (default bench/results/demo-<date>)
#   SCX_DEMO_SCENARIOS service (default), probe (the cyclictest wake-up probe at equal
#                      weights), or service,probe
#   SCX_DEMO_ROUNDS    repetitions (default 3)
#   SCX_DEMO_CELL_S    seconds per cell (default 15; SCX_DEMO_PROBE_S is the old name)
#   SCX_DEMO_TRACE_S   seconds of the traced cell per row (default 4; 0: no traces)
#   SCX_DEMO_TRACE_SCHEDULERS  the rows traced (default: every row)
#   SCX_DEMO_SCHEDULERS  the rows (default default,default-tuned,slo-edf,slo-fallback;
#                      also slo-fair, slo-edf-inline, slo-edf-alt, slo-edf-alt2)
#   SCX_DEMO_ALT_BPF_OBJECT  another build of scx_slo.bpf.o for the slo-edf-alt cells
#                      (copied into the results directory): two kernel-side versions
#                      compared in one run, e.g. SCX_DEMO_SCHEDULERS=default,slo-edf,slo-edf-alt
#   SCX_DEMO_ALT_AGENT_ARGS  extra `scx-slo run` arguments for the slo-edf-alt cells, split
#                      on whitespace, after the agent settings' (a repeated option's last
#                      value wins), e.g. SCX_DEMO_ALT_AGENT_ARGS='--batch-window-us 2000'
#   SCX_DEMO_ALT2_AGENT_ARGS, SCX_DEMO_ALT2_BPF_OBJECT  the same for a second variant row,
#                      slo-edf-alt2 (with neither set a variant row runs as slo-edf)
#   SCX_DEMO_PEERS     1 (default): also run the kernel's example schedulers scx_simple and
#                      scx_flatcg when they build (bench/demo/build-peers.sh, from Debian's
#                      linux-source into .cache/scx-peers; minutes the first time); 0: skip
#   SCX_DEMO_FORCE_GUEST, SCX_DEMO_TIMEOUT: see bench/demo/harness.sh
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$REPO/bench/demo/harness.sh"
demo_check_build

OUT=${SCX_DEMO_OUT:-$REPO/bench/results/demo-$(date +%Y%m%d-%H%M%S)}
ROUNDS=${SCX_DEMO_ROUNDS:-3}
CELL_S=${SCX_DEMO_CELL_S:-${SCX_DEMO_PROBE_S:-15}}
SCENARIOS=${SCX_DEMO_SCENARIOS:-service}
SCHEDULERS=${SCX_DEMO_SCHEDULERS:-default,default-tuned,slo-edf,slo-fallback}
args=(--rounds "$ROUNDS" --cell-s "$CELL_S" --scenarios "$SCENARIOS" --trace-s "${SCX_DEMO_TRACE_S:-4}")
[ -n "${SCX_DEMO_TRACE_SCHEDULERS:-}" ] && args+=(--trace-schedulers "$SCX_DEMO_TRACE_SCHEDULERS")

if [ "${SCX_DEMO_PEERS:-1}" = 1 ]; then
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
if [ -n "${SCX_DEMO_ALT2_BPF_OBJECT:-}" ]; then
  mkdir -p "$OUT"
  cp "$SCX_DEMO_ALT2_BPF_OBJECT" "$OUT/alt2-scx_slo.bpf.o"
  args+=(--alt2-bpf-object alt2-scx_slo.bpf.o)
fi
# One word each, --opt=VALUE: the value starts with '-' (node's parseArgs refuses it as a separate word).
[ -n "${SCX_DEMO_ALT_AGENT_ARGS:-}" ] && args+=("--alt-agent-args=$SCX_DEMO_ALT_AGENT_ARGS")
[ -n "${SCX_DEMO_ALT2_AGENT_ARGS:-}" ] && args+=("--alt2-agent-args=$SCX_DEMO_ALT2_AGENT_ARGS")

load_before=$(demo_host_load)
t0=$SECONDS
demo_say "head-to-head: $ROUNDS rounds x [$SCENARIOS] x [$SCHEDULERS], ${CELL_S} s per cell; results in $OUT"
demo_measure "$OUT" "${args[@]}"
load_after=$(demo_host_load)
note="host: $(nproc) CPUs, load average $load_before before and $load_after after the measurement ($((SECONDS - t0)) s)"
if awk -v a="${load_before%% *}" -v n="$(nproc)" 'BEGIN { exit !(a > n * 0.75) }'; then
  note+="; the host was busy before the run: other processes competed with the guest's vCPUs, so the figures are noisier than usual"
fi
node "$OUT/snapshot/dist/bench/demo/report.js" --dir "$OUT" --host-note "$note"
