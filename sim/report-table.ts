// The terminal comparison table of `scx-slo sim`: one block per group, one row per
// policy, columns for wake-to-run latency percentiles, request latency, deadline misses,
// CPU share and, for batch groups, throughput. Built from the --json document so the two
// always agree.
import { formatNs, formatPercent } from './format-duration.js';
import type { GroupJson, SimResultJson } from './result-json.js';

function renderTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

function groupTitle(name: string, g: GroupJson): string {
  const slo = g.slo === null ? 'no SLO' : `budget ${formatNs(g.slo.budget_ns)}, importance ${g.slo.importance}`;
  return `${name} (${g.kind}, ${g.tasks} tasks, ${slo}; deadline = enqueue + ${formatNs(g.deadline_delay_ns)})`;
}

export function comparisonTable(doc: SimResultJson): string {
  const out: string[] = [];
  const s = doc.scenario;
  const m = doc.model;
  out.push(`${s.name} (${s.source}${s.trace_file ? `: ${s.trace_file}` : ''}${s.seed === null ? '' : `, seed ${s.seed}`}): ${s.cpus} CPUs, ` +
    `${formatNs(s.duration_ns)} simulated`);
  out.push(`model: context switch ${formatNs(m.context_switch_ns)}, slice ${formatNs(m.slice_ns)}, direct_max ${formatNs(m.direct_max_ns)} (fast-path ` +
    `policies only), dispatch batch ${m.dispatch_batch}, agent lag ${formatNs(m.agent_lag_ns)}, tick ` +
    `${m.tick_ns > 0 ? formatNs(m.tick_ns) : 'none (no deadline renewal)'}` +
    `${m.preempt_keeps_deadline ? '' : ', preempted tasks get a fresh deadline (what-if)'}`);
  const policies = Object.keys(doc.policies);
  for (const group of s.groups) {
    const first = doc.policies[policies[0]!]?.groups[group.name];
    if (first === undefined) continue;
    out.push('');
    out.push(groupTitle(group.name, first));
    const hasRequests = first.request_latency_ns !== undefined;
    const isBatch = group.kind === 'batch';
    const header = ['  policy', 'wake p50', 'p90', 'p99', 'p99.9'];
    if (hasRequests) header.push('req p50', 'req p99', 'req p99.9');
    header.push('misses', 'miss rate', 'cpu');
    if (isBatch) header.push('work units', 'of remaining');
    const rows = policies.map((p) => {
      const g = doc.policies[p]!.groups[group.name]!;
      const w = g.wake_latency_ns;
      const row = [`  ${p}`, formatNs(w.p50), formatNs(w.p90), formatNs(w.p99), formatNs(w.p999)];
      if (hasRequests) {
        const r = g.request_latency_ns!;
        row.push(formatNs(r.p50), formatNs(r.p99), formatNs(r.p999));
      }
      row.push(String(g.deadline_misses), formatPercent(g.miss_rate), formatPercent(g.cpu_share));
      if (isBatch) row.push(String(g.batch!.work_units), formatPercent(g.batch!.share_of_remaining));
      return row;
    });
    const recorded = s.recorded_wake_latency_ns?.[group.name];
    if (recorded !== undefined) {
      // What the kernel that recorded the trace gave this group, for reference.
      const row = ['  (recorded kernel)', formatNs(recorded.p50), formatNs(recorded.p90), formatNs(recorded.p99), formatNs(recorded.p999)];
      while (row.length < header.length) row.push('');
      rows.push(row);
    }
    out.push(...renderTable(header, rows));
  }
  out.push('');
  const totals = renderTable(
    ['totals', 'idle', 'switching', 'switches', 'preempt kicks', 'stale decisions', 'events'],
    policies.map((p) => {
      const t = doc.policies[p]!.totals;
      return [`  ${p}`, formatPercent(t.idle_share), formatPercent(t.switch_share), String(t.context_switches), String(t.preempt_kicks),
        String(t.stale_decisions + t.bad_decisions), String(t.events)];
    }),
  );
  out.push(...totals);
  return out.join('\n');
}
