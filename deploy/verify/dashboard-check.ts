// Checks of the Grafana dashboard (deploy/grafana/scx-slo-dashboard.json): dashboard JSON
// structure, panel layout, the datasource variable, and every PromQL expression parsed
// by a real PromQL parser and checked against the metrics and labels the agent's own
// registry renders (promql-check.ts, agent-metric-catalog.ts).
import type { MetricCatalog } from './agent-metric-catalog.js';
import { promqlProblems, substituteGrafanaVariables } from './promql-check.js';

const PANEL_TYPES = new Set(['timeseries', 'stat', 'table', 'gauge', 'bargauge', 'state-timeline', 'status-history', 'heatmap', 'text', 'row',
  'piechart', 'barchart']);

/* eslint-disable @typescript-eslint/no-explicit-any */
// biome-ignore lint/suspicious/noExplicitAny: walking untyped YAML/JSON documents, inside this module only
type Any = any;

/** Metric names (scx_slo_*) an expression refers to. */
export function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\bscx_slo_[a-z0-9_]+/g)].map((m) => m[0]))];
}

/** Problems of one dashboard expression: Grafana variables, then the PromQL itself. */
function exprProblems(expr: string, vars: ReadonlySet<string>, catalog: MetricCatalog): string[] {
  const sub = substituteGrafanaVariables(expr, vars);
  return [...sub.problems, ...promqlProblems(sub.expr, catalog)];
}

/** Every problem with the dashboard; [] when it is sound. */
export function dashboardProblems(dashboard: unknown, catalog: MetricCatalog): string[] {
  const d = dashboard as Any;
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
      else for (const n of metricNames(q)) if (!catalog.series.has(n)) p.push(`variable ${x.name}: unknown metric ${n}`);
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
      for (const e of exprProblems(t.expr, vars, catalog)) p.push(`${where} target ${t.refId}: ${e}`);
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
export function dashboardMetrics(dashboard: unknown): string[] {
  const d = dashboard as Any;
  const out = new Set<string>();
  for (const panel of d.panels ?? []) for (const t of panel.targets ?? []) for (const n of metricNames(String(t.expr ?? ''))) out.add(n);
  for (const x of d.templating?.list ?? []) for (const n of metricNames(JSON.stringify(x.query ?? ''))) out.add(n);
  return [...out].sort();
}
