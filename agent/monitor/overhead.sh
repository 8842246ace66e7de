#!/usr/bin/env bash
# Measures what the monitoring-only mode costs the scheduler, two ways:
#  1. end to end: `perf bench sched pipe` (two tasks passing a token through pipes;
#     every round trip is two wake-ups and two context switches, the events rqlat's
#     programs run on) with and without the programs attached, in pairs whose order
#     alternates so drift in the host's load favours neither side; prints the median
#     of the paired differences;
#  2. per event: the programs' own run time from the kernel's BPF statistics
#     (kernel.bpf_stats_enabled, switched on for this part only), next to that of empty
#     programs on the same tracepoints (the cost of the statistics and the dispatch).
# Needs root, perf, bpftool and a build (`make build`).
#
#   agent/monitor/overhead.sh [pairs=20] [loops per run=50000] [taskset cpu list, e.g. 0]
set -euo pipefail
cd "$(dirname "$0")/../.."

PAIRS=${1:-20}
LOOPS=${2:-50000}
CPUS=${3:-}

[[ -f dist/agent/monitor/rqlat-monitor.js && -f bpf/build/rqlat.bpf.o ]] || { echo "run \`make build\` first" >&2; exit 1; }

EMPTY=$(mktemp -d)
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled)
trap 'echo "$stats_was" > /proc/sys/kernel/bpf_stats_enabled; rm -rf "$EMPTY"' EXIT

# Programs with the same names and maps that do nothing: the baseline per-event cost.
cat > "$EMPTY/empty.bpf.c" <<'EOF'
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "scx_slo.h"
char _license[] SEC("license") = "GPL";
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 16384); __type(key, u32); __type(value, u64); } wake_ts SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 4096); __type(key, u64); __type(value, struct slo_rqlat_hist); } rqlat_hist SEC(".maps");
SEC("tp_btf/sched_wakeup") int BPF_PROG(rqlat_wakeup, struct task_struct *p) { return 0; }
SEC("tp_btf/sched_wakeup_new") int BPF_PROG(rqlat_wakeup_new, struct task_struct *p) { return 0; }
SEC("tp_btf/sched_switch") int BPF_PROG(rqlat_switch, bool preempt, struct task_struct *prev, struct task_struct *next) { return 0; }
EOF
clang-19 -target bpf -mcpu=v3 -g -O2 -Wno-missing-declarations -DBPF_NO_KFUNC_PROTOTYPES -D__TARGET_ARCH_x86 -Ibpf/vmlinux -Ibpf -c "$EMPTY/empty.bpf.c" -o "$EMPTY/empty.bpf.o"

PAIRS=$PAIRS LOOPS=$LOOPS CPUS=$CPUS EMPTY_OBJ="$EMPTY/empty.bpf.o" node --input-type=module - <<'EOF'
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { RunqueueLatencyMonitor } from './dist/agent/monitor/rqlat-monitor.js';

const pairs = Number(process.env.PAIRS), loops = process.env.LOOPS, cpus = process.env.CPUS;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const bench = () => {
  const args = ['bench', 'sched', 'pipe', '-l', loops];
  const out = cpus ? execFileSync('taskset', ['-c', cpus, 'perf', ...args], { encoding: 'utf8' }) : execFileSync('perf', args, { encoding: 'utf8' });
  return Number(/([\d.]+) usecs\/op/.exec(out)[1]);
};
const withMonitor = (path, fn) => {
  const m = new RunqueueLatencyMonitor(path ? { objectPath: path } : {});
  m.start();
  try { return fn(); } finally { m.stop(); }
};

console.log(`perf bench sched pipe -l ${loops}${cpus ? ` on CPUs ${cpus}` : ''}, ${pairs} pairs (usecs per round trip)`);
const off = [], on = [], diff = [];
for (let i = 0; i < pairs; i++) {
  let o, a;
  if (i % 2 === 0) { o = bench(); a = withMonitor(undefined, bench); } else { a = withMonitor(undefined, bench); o = bench(); }
  off.push(o); on.push(a); diff.push(a - o);
}
const mo = median(off), ma = median(on), md = median(diff);
console.log(`without: median ${mo.toFixed(3)} (min ${Math.min(...off).toFixed(3)}, max ${Math.max(...off).toFixed(3)})`);
console.log(`with:    median ${ma.toFixed(3)} (min ${Math.min(...on).toFixed(3)}, max ${Math.max(...on).toFixed(3)})`);
console.log(`paired difference: median ${md >= 0 ? '+' : ''}${md.toFixed(3)} usecs per round trip (${(100 * md / mo).toFixed(1)}%)`);

writeFileSync('/proc/sys/kernel/bpf_stats_enabled', '1');
for (const [label, path] of [['empty programs', process.env.EMPTY_OBJ], ['rqlat', undefined]]) {
  withMonitor(path, () => {
    bench();
    const line = ['rqlat_wakeup', 'rqlat_switch'].map((name) => {
      const q = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show', 'name', name], { encoding: 'utf8' }));
      const p = Array.isArray(q) ? q[0] : q;
      return `${name} ${(p.run_time_ns / p.run_cnt).toFixed(0)} ns/run (${p.run_cnt} runs)`;
    });
    console.log(`${label.padEnd(15)} ${line.join(', ')}`);
  });
}
EOF
