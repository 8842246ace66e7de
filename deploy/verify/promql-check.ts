// PromQL checks for the dashboard and the alerting rules with a real PromQL parser
// (@prometheus-io/lezer-promql, the grammar of Prometheus's own web UI): every expression
// must parse without an error node, every metric it selects must be a series the agent
// really renders (agent-metric-catalog.ts), and every label name it uses (matchers,
// by/without, on/ignoring) must be a label of a series it selects or one Prometheus adds
// at scrape time. Grafana variables are replaced by values of the right kind first.
import { parser } from '@prometheus-io/lezer-promql';
import type { MetricCatalog } from './agent-metric-catalog.js';

/** Labels Prometheus adds to every scraped series (ServiceMonitor target labels + relabeling). */
export const TARGET_LABELS: readonly string[] = ['node', 'instance', 'job', 'namespace', 'pod', 'service', 'endpoint', 'container'];

/** Grafana's built-in range variables, as durations. */
const GRAFANA_DURATIONS: Record<string, string> = { __rate_interval: '5m', __interval: '1m', __range: '1h' };

/** Replaces Grafana variables: durations where Grafana puts durations, a label value elsewhere. */
export function substituteGrafanaVariables(expr: string, known: ReadonlySet<string>): { expr: string; problems: string[] } {
  const problems: string[] = [];
  const out = expr.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    if (name in GRAFANA_DURATIONS) return GRAFANA_DURATIONS[name]!;
    if (!known.has(name)) problems.push(`unknown variable $${name}`);
    return 'var_value';
  });
  return { expr: out, problems };
}

/** Problems of one PromQL expression against the agent's metrics; [] when sound. */
export function promqlProblems(expr: string, catalog: MetricCatalog, extraLabels: readonly string[] = []): string[] {
  const problems: string[] = [];
  const tree = parser.parse(expr);
  const selected: string[] = [];
  const labelUses: string[] = [];
  tree.iterate({
    enter(n) {
      if (n.type.isError) {
        problems.push(`syntax error at offset ${n.from}: ${JSON.stringify(expr.slice(Math.max(0, n.from - 10), n.from + 10))}`);
        return false;
      }
      if (n.name === 'VectorSelector') {
        const id = n.node.getChild('Identifier');
        if (id) selected.push(expr.slice(id.from, id.to));
      }
      if (n.name === 'LabelName') labelUses.push(expr.slice(n.from, n.to));
      return undefined;
    },
  });
  const labels = new Set<string>([...TARGET_LABELS, ...extraLabels]);
  for (const name of selected) {
    const own = catalog.series.get(name);
    if (!own) problems.push(`unknown metric ${name} (the agent renders no such series)`);
    else for (const l of own) labels.add(l);
  }
  if (!selected.length) problems.push('selects no metric');
  for (const l of labelUses) if (l !== '__name__' && !labels.has(l)) problems.push(`unknown label ${l} (not a label of ${selected.join(', ')})`);
  return [...new Set(problems)];
}
