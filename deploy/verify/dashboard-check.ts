// Checks of the Grafana dashboard (deploy/grafana/scx-slo-dashboard.json): dashboard JSON
// structure, panel layout, the datasource variable, and that every PromQL expression uses
// only the agent's metric names and their labels. PromQL is checked lexically (names,
// labels, balanced brackets), not parsed: a query can still be wrong in ways this misses.

/**
 * The agent's metrics and their own labels, as agent/metrics/agent-metrics.ts defines them
 * (plus PENDING_METRICS, which the dashboard uses before the agent defines them).
 */
export const AGENT_METRICS: Readonly<Record<string, readonly string[]>> = {
  scx_slo_deadline_misses_total: [],
  scx_slo_workload_deadline_misses_total: ['namespace', 'pod', 'cgroup'],
  scx_slo_workload_runs_total: ['namespace', 'pod', 'cgroup'],
  scx_slo_workload_wait_seconds_total: ['namespace', 'pod', 'cgroup'],
  scx_slo_dispatches_total: ['path', 'reason'],
  scx_slo_decisions_dropped_total: ['reason'],
  scx_slo_ring_full_total: [],
  scx_slo_userspace_lag_seconds_bucket: ['le'],
  scx_slo_runqueue_latency_seconds_bucket: ['namespace', 'pod', 'cgroup', 'le'],
  scx_slo_pod_overloaded: ['namespace', 'pod', 'cgroup'],
  scx_slo_config_errors_total: ['source', 'field'],
  scx_slo_attached: [],
  scx_slo_mode: ['mode'],
  scx_slo_policy_info: ['policy', 'ops'],
};

/**
 * Metrics the dashboard shows (named in the design) that agent/metrics/ does not define
 * yet: their panels stay empty until it does. dashboard.test.ts fails once one of them
 * appears there, so this list gets emptied rather than forgotten.
 */
export const PENDING_METRICS: readonly string[] = [];

/** Labels Prometheus adds to every scraped series (ServiceMonitor target labels + relabeling). */
export const TARGET_LABELS: readonly string[] = ['node', 'instance', 'job', 'namespace', 'pod', 'service', 'endpoint', 'container'];

const GRAFANA_VARS = new Set(['__rate_interval', '__interval', '__range', '__range_s', '__interval_ms', '__name__']);
const PANEL_TYPES = new Set(['timeseries', 'stat', 'table', 'gauge', 'bargauge', 'state-timeline', 'status-history', 'heatmap', 'text', 'row', 'piechart', 'barchart']);
const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset',
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'histogram_quantile', 'vector', 'scalar', 'label_replace',
  'label_join', 'abs', 'clamp_min', 'clamp_max', 'absent', 'time', 'sort', 'sort_desc', 'round', 'ceil', 'floor',
  'changes', 'resets', 'avg_over_time', 'max_over_time', 'min_over_time', 'sum_over_time', 'count_over_time', 'last_over_time',
]);

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

/** Metric names (scx_slo_*) an expression refers to. */
export function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\bscx_slo_[a-z0-9_]+/g)].map((m) => m[0]))];
}

/** Lexical problems with one PromQL expression. */
export function promqlProblems(expr: string, vars: ReadonlySet<string>): string[] {
  const p: string[] = [];
  // Strings out of the way (label values, regexes) before looking at the rest.
  const strings: string[] = [];
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, (s) => {
    strings.push(s);
    return '\u0000';
  });
  if (/"/.test(bare)) p.push('unbalanced quote');
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  for (const c of bare) {
    if ('({['.includes(c)) stack.push(c);
    else if (c in pairs && stack.pop() !== pairs[c]) {
      p.push(`unbalanced ${c}`);
      break;
    }
  }
  if (stack.length) p.push(`unclosed ${stack.join('')}`);
  for (const s of [...strings, bare]) {
    for (const m of s.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) if (!vars.has(m[1]!) && !GRAFANA_VARS.has(m[1]!)) p.push(`unknown variable $${m[1]}`);
  }
  const names = metricNames(bare);
  for (const n of names) if (!(n in AGENT_METRICS)) p.push(`unknown metric ${n}`);
  // Every other identifier must be a PromQL word, a label name of a referenced metric, or a unit.
  const labels = new Set<string>(TARGET_LABELS);
  for (const n of names) for (const l of AGENT_METRICS[n] ?? []) labels.add(l);
  const withoutRanges = bare.replace(/\[[^\]]*\]/g, '[]');
  for (const m of withoutRanges.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\b/g)) {
    const id = m[1]!;
    if (id.startsWith('scx_slo_') || PROMQL_WORDS.has(id) || labels.has(id) || /^[0-9]/.test(id)) continue;
    if (id === 'e' || /^\$/.test(id)) continue;
    const before = withoutRanges.slice(0, m.index);
    if (/\$\{?$/.test(before)) continue; // a variable name
    p.push(`unknown identifier ${id} (not a PromQL word nor a label of ${names.join(', ') || 'any metric here'})`);
  }
  return p;
}

/** Every problem with the dashboard; [] when it is sound. */
export function dashboardProblems(d: Any): string[] {
  const p: string[] = [];
  if (!d || typeof d !== 'object') return ['not a JSON object'];
  if (typeof d.title !== 'string' || !d.title) p.push('title missing');
  if (typeof d.uid !== 'string' || !/^[A-Za-z0-9_-]{1,40}$/.test(d.uid)) p.push('uid missing or invalid');
  if (!Number.isInteger(d.schemaVersion) || d.schemaVersion < 36) p.push('schemaVersion must be an integer >= 36');
  if (!Array.isArray(d.panels) || !d.panels.length) return [...p, 'no panels'];
  const varList: Any[] = d.templating?.list ?? [];
  const vars = new Set<string>(varList.map((x) => x.name));
  const dsVar = varList.find((x) => x.type === 'datasource');
  if (!dsVar || dsVar.query !== 'prometheus') p.push('needs a datasource variable of type datasource for prometheus');
  const dsRef = dsVar ? `\${${dsVar.name}}` : null;
  const checkDs = (ds: Any, where: string): void => {
    if (!ds || ds.type !== 'prometheus' || ds.uid !== dsRef) p.push(`${where}: datasource must be {type: prometheus, uid: ${dsRef}}`);
  };
  for (const x of varList) {
    if (x.type === 'query') {
      checkDs(x.datasource, `variable ${x.name}`);
      const q = typeof x.query === 'string' ? x.query : x.query?.query;
      if (typeof q !== 'string') p.push(`variable ${x.name}: no query`);
      else for (const n of metricNames(q)) if (!(n in AGENT_METRICS)) p.push(`variable ${x.name}: unknown metric ${n}`);
    }
  }
  const ids = new Set<number>();
  const boxes: { id: number; x: number; y: number; w: number; h: number }[] = [];
  for (const panel of d.panels as Any[]) {
    const where = `panel ${panel.id} "${panel.title}"`;
    if (!Number.isInteger(panel.id) || ids.has(panel.id)) p.push(`${where}: id missing or repeated`);
    ids.add(panel.id);
    if (!PANEL_TYPES.has(panel.type)) p.push(`${where}: unknown panel type ${panel.type}`);
    if (typeof panel.title !== 'string' || !panel.title) p.push(`${where}: no title`);
    const g = panel.gridPos;
    if (!g || ![g.x, g.y, g.w, g.h].every((n) => Number.isInteger(n) && n >= 0) || g.w < 1 || g.h < 1 || g.x + g.w > 24) {
      p.push(`${where}: gridPos must have integer x, y, w, h within 24 columns`);
    } else boxes.push({ id: panel.id, ...g });
    if (panel.type === 'row' || panel.type === 'text') continue;
    checkDs(panel.datasource, where);
    const targets: Any[] = panel.targets ?? [];
    if (!targets.length) p.push(`${where}: no targets`);
    const refIds = targets.map((t) => t.refId);
    if (new Set(refIds).size !== refIds.length || refIds.some((r) => typeof r !== 'string')) p.push(`${where}: refIds missing or repeated`);
    for (const t of targets) {
      checkDs(t.datasource, `${where} target ${t.refId}`);
      if (typeof t.expr !== 'string' || !t.expr.trim()) {
        p.push(`${where} target ${t.refId}: no expr`);
        continue;
      }
      if (!metricNames(t.expr).length) p.push(`${where} target ${t.refId}: uses no scx_slo metric`);
      for (const e of promqlProblems(t.expr, vars)) p.push(`${where} target ${t.refId}: ${e}`);
    }
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) p.push(`panels ${a.id} and ${b.id} overlap`);
    }
  }
  return p;
}

/** The metric names the dashboard uses. */
export function dashboardMetrics(d: Any): string[] {
  const out = new Set<string>();
  for (const panel of d.panels ?? []) for (const t of panel.targets ?? []) for (const n of metricNames(String(t.expr ?? ''))) out.add(n);
  for (const x of d.templating?.list ?? []) for (const n of metricNames(JSON.stringify(x.query ?? ''))) out.add(n);
  return [...out].sort();
}
