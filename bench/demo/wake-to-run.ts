// Wake-to-run latency from a trace-cmd report (the head-to-head's traced cells): for the
// threads of one command (the latency-sensitive workload: slo-service, cyclictest), the
// time from each sched_wakeup (or sched_wakeup_new) to the sched_switch that puts the
// thread on a CPU. Lines look like
//   stress-ng-cpu-337   [001]   272.065613: sched_wakeup:         slo-service:340 [120] CPU:000
//   stress-ng-cpu-337   [001]   272.065733: sched_switch:         stress-ng-cpu:337 [120] R ==> slo-service:340 [120]
// A wake-up of a thread already waiting to run does not restart its wait. The command
// names inside the events (`node:340` above) are not to be trusted (the guest's
// trace-cmd prints stale names there), so the command's threads are the pids that the
// line prefixes (trace-cmd's own pid -> name table) name as that command.

export interface WakeToRun {
  /** Wake-to-run latencies, ns, in trace order. */
  latenciesNs: number[];
  /** Threads (pids) of the command seen waking. */
  threads: number;
}

const PREFIX = /^\s*(.+)-(\d+)\s+\[\d+\]\s+\d+\.\d+:/;
const EVENT = /^\s*.+?-\d+\s+\[\d+\]\s+(\d+\.\d+):\s+(sched_wakeup_new|sched_wakeup|sched_switch):\s+(.*)$/;
const WAKEUP = /^(.*):(\d+) \[-?\d+\] (?:CPU|target_cpu)[:=]\d+/;
const SWITCH = /==> (.*):(\d+) \[-?\d+\]\s*$/;

/** Seconds with a fractional part (trace-cmd's timestamp) to whole ns, without float error. */
function toNs(ts: string): number {
  const [s, frac = ''] = ts.split('.');
  return Number(s) * 1e9 + Number(frac.padEnd(9, '0').slice(0, 9));
}

export function wakeToRun(text: string, comm: string): WakeToRun {
  const lines = text.split('\n');
  const pids = new Set<number>();
  for (const line of lines) {
    const p = PREFIX.exec(line);
    if (p && p[1] === comm) pids.add(Number(p[2]));
  }
  const waking = new Map<number, number>();
  const threads = new Set<number>();
  const latenciesNs: number[] = [];
  for (const line of lines) {
    const m = EVENT.exec(line);
    if (!m) continue;
    const t = toNs(m[1]!);
    if (m[2] === 'sched_switch') {
      const sw = SWITCH.exec(m[3]!);
      if (!sw) continue;
      const pid = Number(sw[2]);
      const since = waking.get(pid);
      if (since !== undefined) {
        latenciesNs.push(t - since);
        waking.delete(pid);
      }
    } else {
      const w = WAKEUP.exec(m[3]!);
      if (!w) continue;
      const pid = Number(w[2]);
      if (!pids.has(pid)) continue;
      threads.add(pid);
      if (!waking.has(pid)) waking.set(pid, t);
    }
  }
  return { latenciesNs, threads: threads.size };
}

/** Nearest-rank quantile of unsorted values, or null when there are none. */
export function quantileNs(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
