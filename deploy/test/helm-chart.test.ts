// The Helm chart deploy/helm/scx-slo, rendered by deploy/verify/helm-render.ts (no helm binary here):
// with default values and with overrides, every object must pass the same schema and
// policy checks as the plain manifests, and the defaults must render the same objects.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { agentPolicyViolations } from '../verify/agent-policy.js';
import { AGENT_NAMESPACE, plainManifests, renderChartObjects, schemaProblems } from '../verify/deploy-files.js';
import { loadChart } from '../verify/helm-render.js';
import { CHART_DIR, REPO_ROOT, type K8sObject } from '../verify/k8s-check.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
// biome-ignore lint/suspicious/noExplicitAny: walking untyped YAML/JSON documents, inside this module only
type Any = any;

const OVERRIDES = {
  image: { repository: 'images.example.com/platform/scx-slo', tag: '0.2.0-rc1' },
  agent: { policy: 'fair', defaultBudgetMs: 50, defaultImportance: 40, lagMs: 2.5, extraArgs: ['--workers', '2'], extraEnv: [{ name: 'TZ', value: 'UTC' }] },
  cgroupSlos: { 'system.slice/crio.service': { budgetMs: 10, importance: 95 } },
  hostPort: null,
  podAnnotations: { 'example.com/team': 'platform' },
  podLabels: { 'example.com/tier': 'node-agent' },
  nodeSelector: { 'kubernetes.io/os': 'linux', 'scx-slo.io/enabled': 'true' },
  tolerations: [{ operator: 'Exists' }, { key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
  imagePullSecrets: [{ name: 'regcred' }],
  resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } },
  serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' }, interval: '30s', scrapeTimeout: '20s' },
};

function find(objs: { obj: K8sObject }[], kind: string): Any {
  return objs.find((o) => o.obj.kind === kind)?.obj;
}

test('Chart.yaml is a v2 application chart whose appVersion is the package version', (t) => {
  const chart = loadChart(CHART_DIR);
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  t.is(chart.metadata['apiVersion'], 'v2');
  t.is(chart.metadata['name'], 'scx-slo');
  t.is(chart.metadata['type'], 'application');
  t.regex(String(chart.metadata['version']), /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/);
  t.is(chart.metadata['appVersion'], pkg.version);
});

test('default values: every rendered object matches its schema and the deployment rules', (t) => {
  const r = renderChartObjects();
  t.true(r.objects.length >= 8);
  for (const { file, obj } of r.objects) t.deepEqual(schemaProblems(obj), [], file);
  t.deepEqual(agentPolicyViolations(r.objects.map((o) => o.obj), { namespace: AGENT_NAMESPACE }), []);
  t.falsy(find(r.objects, 'ServiceMonitor'), 'the ServiceMonitor is off by default');
});

test('default values render the same objects as deploy/manifests/ (besides helm\'s labels)', (t) => {
  const r = renderChartObjects({ serviceMonitor: { enabled: true } });
  const normalize = (o: K8sObject): Any => {
    const c = JSON.parse(JSON.stringify(o)) as Any;
    const strip = (labels: Record<string, string> | undefined): void => {
      if (!labels) return;
      delete labels['helm.sh/chart'];
      delete labels['app.kubernetes.io/managed-by'];
    };
    strip(c.metadata.labels);
    strip(c.spec?.template?.metadata?.labels);
    if (c.kind === 'ConfigMap') {
      c.data['slos.yaml'] = parseYaml(c.data['slos.yaml']);
      c.data['slo-grants.yaml'] = parseYaml(c.data['slo-grants.yaml']);
    }
    return c;
  };
  const key = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;
  // The Namespace is the plain manifests' own (helm installs into --namespace).
  const plain = new Map(plainManifests().filter((o) => o.kind !== 'Namespace').map((o) => [key(o), normalize(o)]));
  const chart = new Map(r.objects.map((o) => [key(o.obj), normalize(o.obj)]));
  t.deepEqual([...chart.keys()].sort(), [...plain.keys()].sort());
  for (const [k, obj] of plain) t.deepEqual(chart.get(k), obj, k);
});

test('overridden values: objects stay valid and the overrides land where they should', (t) => {
  const r = renderChartObjects(OVERRIDES, 'edge', 'platform-scheduling');
  for (const { file, obj } of r.objects) t.deepEqual(schemaProblems(obj), [], file);
  t.deepEqual(agentPolicyViolations(r.objects.map((o) => o.obj), { namespace: 'platform-scheduling' }), []);
  const ds = find(r.objects, 'DaemonSet');
  t.is(ds.metadata.name, 'edge-scx-slo');
  const pod = ds.spec.template.spec;
  const agent = pod.containers[0];
  t.is(agent.image, 'images.example.com/platform/scx-slo:0.2.0-rc1');
  t.deepEqual(agent.command.slice(-2), ['--workers', '2']);
  const flag = (name: string): string => agent.command[agent.command.indexOf(name) + 1];
  t.is(flag('--policy'), 'fair');
  t.is(flag('--default-budget-ms'), '50');
  t.is(flag('--default-importance'), '40');
  t.is(flag('--lag-ms'), '2.5');
  t.true(agent.env.some((e: Any) => e.name === 'TZ'));
  t.is(agent.ports[0].hostPort, undefined);
  t.is(ds.spec.template.metadata.annotations['example.com/team'], 'platform');
  t.is(ds.spec.template.metadata.labels['example.com/tier'], 'node-agent');
  t.is(pod.nodeSelector['scx-slo.io/enabled'], 'true');
  t.is(pod.tolerations.length, 2);
  t.deepEqual(pod.imagePullSecrets, [{ name: 'regcred' }]);
  t.is(agent.resources.limits.memory, '1Gi');
  const cm = find(r.objects, 'ConfigMap');
  // Helm merges maps: the override adds to the default entries.
  t.deepEqual(Object.keys(parseYaml(cm.data['slos.yaml']).cgroups).sort(), ['system.slice/containerd.service', 'system.slice/crio.service',
    'system.slice/kubelet.service']);
  const crb = find(r.objects, 'ClusterRoleBinding');
  t.deepEqual(crb.subjects, [{ kind: 'ServiceAccount', name: 'edge-scx-slo', namespace: 'platform-scheduling' }]);
  const sm = find(r.objects, 'ServiceMonitor');
  t.is(sm.metadata.labels.release, 'kube-prometheus-stack');
  t.deepEqual(sm.spec.namespaceSelector.matchNames, ['platform-scheduling']);
  t.is(sm.spec.endpoints[0].interval, '30s');
  t.true(r.notes!.includes('platform-scheduling'));
});

test('cgroupSlos: null renders an empty SLO file the agent accepts; null entries drop out', (t) => {
  const dropped = renderChartObjects({ cgroupSlos: { 'system.slice/kubelet.service': null } });
  t.deepEqual(Object.keys(parseYaml(find(dropped.objects, 'ConfigMap').data['slos.yaml']).cgroups), ['system.slice/containerd.service']);
  const r = renderChartObjects({ cgroupSlos: null });
  t.deepEqual(parseYaml(find(r.objects, 'ConfigMap').data['slos.yaml']), { cgroups: {} });
  t.deepEqual(agentPolicyViolations(r.objects.map((o) => o.obj), { namespace: AGENT_NAMESPACE }), []);
});

test('optional objects switch off', (t) => {
  const r = renderChartObjects({ rbac: { create: false }, serviceAccount: { create: false, name: 'existing-sa' }, localService: { enabled: false },
    criticalPodsQuota: { enabled: false } });
  const kinds = r.objects.map((o) => o.obj.kind);
  t.false(kinds.includes('ClusterRole'));
  t.false(kinds.includes('ClusterRoleBinding'));
  t.false(kinds.includes('ServiceAccount'));
  t.false(kinds.includes('ResourceQuota'));
  t.is(kinds.filter((k) => k === 'Service').length, 1);
  t.is(find(r.objects, 'DaemonSet').spec.template.spec.serviceAccountName, 'existing-sa');
  for (const { file, obj } of r.objects) t.deepEqual(schemaProblems(obj), [], file);
});

test('a ServiceMonitor without the metrics Service is refused at render time', (t) => {
  const err = t.throws(() => renderChartObjects({ serviceMonitor: { enabled: true }, metricsService: { enabled: false } }));
  t.regex(err!.message, /needs metricsService\.enabled=true/);
});

test('every .Values path the templates use exists in values.yaml, and every value is used', (t) => {
  const chart = loadChart(CHART_DIR);
  const used = new Set<string>();
  for (const [file, src] of chart.templates) {
    for (const m of src.matchAll(/\.Values((?:\.[A-Za-z0-9_]+)+)/g)) {
      const path = m[1]!.slice(1).split('.');
      used.add(path[0]!);
      let cur: unknown = chart.values;
      for (const p of path) {
        t.true(cur !== null && typeof cur === 'object' && p in (cur as object), `${file}: .Values.${path.join('.')} is not in values.yaml`);
        cur = (cur as Record<string, unknown>)[p];
      }
    }
  }
  for (const k of Object.keys(chart.values)) t.true(used.has(k), `values.yaml key ${k} is used by no template`);
});

test('NOTES.txt renders', (t) => {
  const r = renderChartObjects();
  t.truthy(r.notes);
  t.true(r.notes!.includes('scx-slo-system'));
  t.true(r.notes!.includes('monitoring-only'));
});
