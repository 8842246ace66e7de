// deploy/grafana/scx-slo-dashboard.json: valid dashboard JSON over the agent's metrics only.
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_METRICS, PENDING_METRICS, dashboardMetrics, dashboardProblems } from '../verify/dashboard-check.js';
import { DEPLOY_DIR, REPO_ROOT } from '../verify/k8s-check.js';

const DASHBOARD = join(DEPLOY_DIR, 'grafana', 'scx-slo-dashboard.json');
const load = (): unknown => JSON.parse(readFileSync(DASHBOARD, 'utf8'));

test('the dashboard is valid Grafana dashboard JSON', (t) => {
  t.deepEqual(dashboardProblems(load()), []);
});

test('the dashboard uses only the agent\'s metric names, and every one of them', (t) => {
  t.deepEqual(dashboardMetrics(load()), Object.keys(AGENT_METRICS).sort());
});

test('the dashboard has the panels the runbook refers to', (t) => {
  const titles = (load() as { panels: { title: string }[] }).panels.map((p) => p.title.toLowerCase());
  for (const want of ['deadline misses', 'dispatch path share', 'userspace lag p99', 'run-queue latency p99', 'attached', 'mode', 'overloaded pods']) {
    t.true(titles.some((x) => x.includes(want)), `no panel about ${want}`);
  }
});

function agentMetricsSource(): string {
  const sources: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) {
        if (f !== 'test') walk(p);
      } else if (f.endsWith('.ts')) sources.push(readFileSync(p, 'utf8'));
    }
  };
  walk(join(REPO_ROOT, 'agent', 'metrics'));
  return sources.join('\n');
}

/** Whether agent/metrics/ registers the metric (full name, or its name after the scx_slo_ prefix in quotes). */
function definedByAgent(source: string, metric: string): boolean {
  const base = metric.replace(/_bucket$/, '');
  const short = base.replace(/^scx_slo_/, '');
  return source.includes(base) || source.includes(`'${short}'`) || source.includes(`"${short}"`);
}

test('every metric the dashboard uses is defined in agent/metrics/ (pending ones listed)', (t) => {
  const source = agentMetricsSource();
  const missing = dashboardMetrics(load()).filter((m) => !PENDING_METRICS.includes(m) && !definedByAgent(source, m));
  t.deepEqual(missing, [], 'the dashboard uses metrics the agent does not define');
  const arrived = PENDING_METRICS.filter((m) => definedByAgent(source, m));
  t.deepEqual(arrived, [], 'agent/metrics/ now defines these: remove them from PENDING_METRICS and check their labels in AGENT_METRICS');
  t.log(`panels waiting for the agent to define: ${PENDING_METRICS.join(', ')}`);
});
