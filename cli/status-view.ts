// What `scx-slo status` shows: the agent's status reply (the control socket's `status`
// answer) as text, and for `--watch`, rates per second between two replies: dispatches
// by path, userspace and fallback shares of the interval, and per-workload runs and
// misses per second.

/** The running agent's answer to {cmd: "status"} (cli/run.ts). */
export interface AgentStatus {
  mode: string;
  ops: string;
  policy: string;
  counters: Record<string, number>;
  transport: Record<string, number>;
  slos: Record<string, { budgetNs: number; importance: number }>;
  cgroups: Record<string, { runs: number; misses: number; waitNsSum: number; lastSlackNs: number }>;
  /** Policy faults (agents that report them). */
  faults?: { errors: number; timeouts: number; restarts: number; restartFailures: number; degraded: boolean; lastFault?: string };
  /** cgroup id -> who it is ("ns/pod" or the cgroup path); absent from older agents. */
  workloads?: Record<string, string>;
}

/** Per-second rates between two status replies taken `seconds` apart. */
export interface StatusRates {
  seconds: number;
  enqueuedPerSec: number;
  userspacePerSec: number;
  directPerSec: number;
  fallbackPerSec: number;
  missesPerSec: number;
  /** Of the interval's dispatches, the share decided by the agent / by the fallback (0..1; NaN with none). */
  userspaceShare: number;
  fallbackShare: number;
  workloads: Array<{ id: string; name: string; runsPerSec: number; missesPerSec: number }>;
}

/** Every fallback_* counter the kernel keeps, summed. */
export function fallbackTotal(c: Record<string, number>): number {
  return Object.keys(c).filter((k) => k.startsWith('fallback_')).reduce((n, k) => n + (c[k] ?? 0), 0);
}

export function statusRates(prev: AgentStatus, cur: AgentStatus, seconds: number): StatusRates {
  if (!(seconds > 0)) throw new RangeError(`seconds: expected > 0, got ${seconds}`);
  // A counter that went down means the agent restarted: count from zero.
  const delta = (a: number | undefined, b: number | undefined): number => {
    const d = (b ?? 0) - (a ?? 0);
    return d >= 0 ? d : (b ?? 0);
  };
  const c0 = prev.counters;
  const c1 = cur.counters;
  const user = delta(c0['user_dispatched'], c1['user_dispatched']);
  const direct = delta(c0['direct'], c1['direct']);
  const fallback = delta(fallbackTotal(c0), fallbackTotal(c1));
  const all = user + direct + fallback;
  const workloads = Object.entries(cur.cgroups).map(([id, w]) => {
    const before = prev.cgroups[id];
    return {
      id,
      name: cur.workloads?.[id] ?? (id === '0' ? 'unconfigured' : `cgroup ${id}`),
      runsPerSec: delta(before?.runs, w.runs) / seconds,
      missesPerSec: delta(before?.misses, w.misses) / seconds,
    };
  }).sort((a, b) => b.missesPerSec - a.missesPerSec || b.runsPerSec - a.runsPerSec || a.id.localeCompare(b.id));
  return {
    seconds,
    enqueuedPerSec: delta(c0['enqueued'], c1['enqueued']) / seconds,
    userspacePerSec: user / seconds,
    directPerSec: direct / seconds,
    fallbackPerSec: fallback / seconds,
    missesPerSec: delta(c0['deadline_misses'], c1['deadline_misses']) / seconds,
    userspaceShare: all > 0 ? user / all : Number.NaN,
    fallbackShare: all > 0 ? fallback / all : Number.NaN,
    workloads,
  };
}

const pct = (x: number): string => (Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`);
const rate = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** The `--watch` screen: one interval's rates. */
export function formatRates(r: StatusRates, s: AgentStatus): string[] {
  const lines = [
    `agent:    ${s.mode}, policy ${s.policy}; rates over the last ${r.seconds.toFixed(1)} s`,
    `per sec:  enqueued ${rate(r.enqueuedPerSec)}, userspace ${rate(r.userspacePerSec)}, direct ${rate(r.directPerSec)}, fallback ${rate(r.fallbackPerSec)}, ` +
      `deadline misses ${rate(r.missesPerSec)}`,
    `shares:   userspace ${pct(r.userspaceShare)}, fallback ${pct(r.fallbackShare)} of this interval's dispatches`,
    'workloads (misses/s, runs/s):',
  ];
  if (r.workloads.length === 0) lines.push('  (no runs accounted yet)');
  for (const w of r.workloads) lines.push(`  ${w.name}: ${rate(w.missesPerSec)} misses/s, ${rate(w.runsPerSec)} runs/s`);
  return lines;
}

/** The policy's fault line: state, counts and the latest fault. */
function policyLine(f: NonNullable<AgentStatus['faults']>): string {
  const state = f.degraded ? 'FAILING, the in-kernel EDF schedules' : 'ok';
  const failed = f.restartFailures ? ` (${f.restartFailures} failed)` : '';
  return `policy:   ${state}; errors ${f.errors}, timeouts ${f.timeouts}, restarts ${f.restarts}${failed}${f.lastFault ? `; last: ${f.lastFault}` : ''}`;
}

/** The one-shot `scx-slo status` text: totals since the agent started. */
export function formatStatus(s: AgentStatus): string[] {
  const c = s.counters;
  if (s.mode === 'monitor' || Object.keys(c).length === 0) {
    // Monitoring-only mode (no sched_ext): no scheduler, so no dispatch counters or SLO table.
    return [
      `agent:    ${s.mode}, no scheduler attached${s.policy ? `, policy ${s.policy}` : ''}`,
      'dispatch: none (monitoring-only mode measures run-queue latency per workload: see /metrics)',
    ];
  }
  const fallback = fallbackTotal(c);
  const decided = (c['user_dispatched'] ?? 0) + (c['direct'] ?? 0) + fallback;
  const share = (n: number | undefined): string => (decided > 0 ? `${((100 * (n ?? 0)) / decided).toFixed(1)}%` : '-');
  /** A counter as printed: "-" when the agent does not report it (an older agent). */
  const n = (k: string): string => (c[k] === undefined ? '-' : String(c[k]));
  const lines = [
    `agent:    ${s.mode}, policy ${s.policy}`,
    `dispatch: userspace ${n('user_dispatched')} (${share(c['user_dispatched'])}), direct ${n('direct')} (${share(c['direct'])}), fallback lag ` +
      `${n('fallback_lag')} / ring-full ${n('fallback_ringfull')} / stalled ${n('fallback_stalled')} / idle CPU ${n('fallback_idle')}`,
    `          stale decisions ${n('stale_decisions')}, bad ${n('bad_decisions')}, preemptions ${n('preemptions')}, deadline misses ${n('deadline_misses')}`,
    ...(s.faults ? [policyLine(s.faults)] : []),
    `exits:    sent ${n('exits_to_user')}, dropped (ring full) ${n('exits_dropped')}, received by the agent ${s.transport?.['exits'] ?? '-'}`,
    'SLOs:',
  ];
  const rows = Object.entries(s.slos ?? {});
  if (rows.length === 0) lines.push('  (none configured: every workload has the default)');
  for (const [id, slo] of rows) {
    const st = s.cgroups?.[id];
    const wait = st && st.runs > 0 ? `${(st.waitNsSum / st.runs / 1e3).toFixed(0)} us mean wait` : 'no runs yet';
    const who = s.workloads?.[id] ? `${s.workloads[id]} (cgroup ${id})` : `cgroup ${id}`;
    lines.push(`  ${who}: budget ${slo.budgetNs / 1e6} ms, importance ${slo.importance}; ${st ? `${st.runs} runs, ${st.misses} misses, ` : ''}${wait}`);
  }
  return lines;
}
