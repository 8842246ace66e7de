// deploy/grafana/scx-slo-dashboard.json: valid dashboard JSON whose every query parses as
// PromQL and uses only series and labels the agent's real registry renders; and the same
// dashboard shipped as a grafana_dashboard ConfigMap by the kustomization.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentMetricCatalog } from '../verify/agent-metric-catalog.js';
import { dashboardMetrics, dashboardProblems } from '../verify/dashboard-check.js';
import { DEPLOY_DIR } from '../verify/k8s-check.js';
import { kustomization } from '../verify/deploy-files.js';

const DASHBOARD = join(DEPLOY_DIR, 'grafana', 'scx-slo-dashboard.json');
const load = (): unknown => JSON.parse(readFileSync(DASHBOARD, 'utf8'));

test('the dashboard is valid Grafana dashboard JSON and its PromQL parses against the agent\'s metrics', async (t) => {
  t.deepEqual(dashboardProblems(load(), await agentMetricCatalog()), []);
});

test('the dashboard shows every scx_slo_ family the agent exports (but the raw counters it sums)', async (t) => {
  const catalog = await agentMetricCatalog();
  const used = new Set(dashboardMetrics(load()).map((m) => m.replace(/_(bucket|count|sum)$/, '')));
  // Families the dashboard deliberately leaves out: bookkeeping shown elsewhere (status, logs).
  const notShown = new Set(['scx_slo_tasks_enqueued_total', 'scx_slo_tasks_to_userspace_total', 'scx_slo_miss_events_dropped_total',
    'scx_slo_preemptions_total', 'scx_slo_task_exits_total', 'scx_slo_grant_clamps_total', 'scx_slo_scan_cutoffs_total', 'scx_slo_agent_wakeups_total',
    'scx_slo_policy_faults_total', 'scx_slo_policy_restarts_total', 'scx_slo_policy_failing',
    'scx_slo_source_synced', 'scx_slo_source_workloads', 'scx_slo_source_workloads_unresolved', 'scx_slo_source_store_errors_total',
    'scx_slo_source_watch_restarts_total', 'scx_slo_stats_read_errors_total']);
  const missing = [...catalog.types.keys()].filter((f) => f.startsWith('scx_slo_') && !used.has(f) && !notShown.has(f));
  t.deepEqual(missing, [], 'new agent metrics: add a panel, or list them as not shown here');
  for (const f of notShown) t.true(catalog.types.has(f), `${f} is listed as not shown but the agent no longer exports it`);
});

test('the dashboard has the panels the runbook refers to', (t) => {
  const titles = (load() as { panels: { title: string }[] }).panels.map((p) => p.title.toLowerCase());
  for (const want of ['deadline misses', 'dispatch path share', 'userspace lag p99', 'run-queue latency p99', 'attached', 'mode',
    'overloaded pods', 'load shedding']) {
    t.true(titles.some((x) => x.includes(want)), `no panel about ${want}`);
  }
});

test('kustomize ships the dashboard as a grafana_dashboard ConfigMap from the same file', (t) => {
  const gen = (kustomization()['configMapGenerator'] as { name: string; files: string[]; options: { labels: Record<string, string>;
    disableNameSuffixHash: boolean } }[] | undefined) ?? [];
  const cm = gen.find((g) => g.files.includes('grafana/scx-slo-dashboard.json'));
  t.truthy(cm, 'a configMapGenerator for grafana/scx-slo-dashboard.json');
  t.is(cm!.options.labels['grafana_dashboard'], '1');
  t.true(cm!.options.disableNameSuffixHash, 'a stable name, so the single-file manifest and kubectl agree');
});
