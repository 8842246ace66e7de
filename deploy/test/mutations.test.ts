// The checks must fail for real: each test here breaks one rule in a copy of the real
// manifests (or dashboard, chart values, SLOPolicy) and expects the check to say so.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentPolicyViolations, sloFileViolations } from '../verify/agent-policy.js';
import { dashboardProblems } from '../verify/dashboard-check.js';
import { agentMetricCatalog } from '../verify/agent-metric-catalog.js';
import { AGENT_NAMESPACE, DEMO_DIR, crd, loadDir, plainManifests, renderChartObjects, schemaProblems } from '../verify/deploy-files.js';
import { DEPLOY_DIR, validateCustomResource, type K8sObject } from '../verify/k8s-check.js';
import { ValuesSchemaError } from '../verify/helm-render.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
// biome-ignore lint/suspicious/noExplicitAny: walking untyped YAML/JSON documents, inside this module only
type Any = any;

function mutated(mutate: (objs: Record<string, Any>) => void): K8sObject[] {
  const objs = JSON.parse(JSON.stringify(plainManifests())) as K8sObject[];
  const by: Record<string, Any> = {};
  for (const o of objs) by[o.kind === 'Service' ? `Service/${o.metadata.name}` : o.kind] = o;
  mutate(by);
  return objs;
}
const agent = (by: Record<string, Any>): Any => by['DaemonSet'].spec.template.spec.containers[0];
const podSpec = (by: Record<string, Any>): Any => by['DaemonSet'].spec.template.spec;

const POLICY_CASES: [string, (by: Record<string, Any>) => void, RegExp][] = [
  ['privileged: true', (by) => (agent(by).securityContext.privileged = true), /privileged/],
  ['an extra capability', (by) => agent(by).securityContext.capabilities.add.push('NET_ADMIN'), /capabilities\.add must be exactly/],
  ['a missing capability', (by) => agent(by).securityContext.capabilities.add.pop(), /capabilities\.add must be exactly/],
  ['no drop ALL', (by) => (agent(by).securityContext.capabilities.drop = ['NET_RAW']), /capabilities\.drop must be exactly \[ALL\]/],
  ['allowPrivilegeEscalation false with SYS_ADMIN', (by) => (agent(by).securityContext.allowPrivilegeEscalation = false), /allowPrivilegeEscalation/],
  ['writable root filesystem', (by) => (agent(by).securityContext.readOnlyRootFilesystem = false), /readOnlyRootFilesystem/],
  ['non-root uid', (by) => (agent(by).securityContext.runAsUser = 1000), /runAsUser must be 0/],
  ['no seccomp profile', (by) => delete agent(by).securityContext.seccompProfile, /seccompProfile/],
  ['hostPID off', (by) => (podSpec(by).hostPID = false), /hostPID must be true/],
  ['no x86-64 node pin', (by) => delete podSpec(by).nodeSelector['kubernetes.io/arch'], /kubernetes\.io\/arch: amd64/],
  ['hostNetwork on', (by) => (podSpec(by).hostNetwork = true), /hostNetwork/],
  ['NODE_NAME from the pod name', (by) => (agent(by).env[0].valueFrom.fieldRef.fieldPath = 'metadata.name'), /NODE_NAME/],
  ['NODE_NAME missing', (by) => agent(by).env.shift(), /NODE_NAME/],
  ['liveness probing /metrics', (by) => (agent(by).livenessProbe.httpGet.path = '/metrics'), /livenessProbe must GET \/healthz/],
  ['readiness probe missing', (by) => delete agent(by).readinessProbe, /readinessProbe is missing/],
  ['readiness on another port', (by) => (agent(by).readinessProbe.httpGet.port = 9090), /readinessProbe must probe port 8080/],
  ['a hair-trigger liveness probe', (by) => Object.assign(agent(by).livenessProbe, { periodSeconds: 1, failureThreshold: 1 }), /gives up in under 20 s/],
  ['no priority class', (by) => delete podSpec(by).priorityClassName, /priorityClassName must be system-node-critical/],
  ['no tolerate-all', (by) => (podSpec(by).tolerations = [{ key: 'a', operator: 'Exists' }]), /tolerations must include/],
  ['maxUnavailable 2', (by) => (by['DaemonSet'].spec.updateStrategy.rollingUpdate.maxUnavailable = 2), /maxUnavailable must be 1/],
  ['a 1 s grace period', (by) => (podSpec(by).terminationGracePeriodSeconds = 1), /terminationGracePeriodSeconds/],
  ['no memory limit', (by) => delete agent(by).resources.limits.memory, /limits\.memory must be set/],
  ['request above limit', (by) => (agent(by).resources.requests.cpu = '2'), /requests\.cpu exceeds the limit/],
  ['image :latest', (by) => (agent(by).image = 'scx-slo:latest'), /pinned tag/],
  ['a wrong command', (by) => (agent(by).command[1] = '/app/dist/main.js'), /agent command must start with/],
  ['the host root mounted', (by) => {
    podSpec(by).volumes.push({ name: 'root', hostPath: { path: '/' } });
    agent(by).volumeMounts.push({ name: 'root', mountPath: '/host' });
  }, /hostPath \/ is not in the allowed set/],
  ['cgroup tree writable', (by) => (agent(by).volumeMounts[0].readOnly = false), /must be mounted readOnly/],
  ['mount of an undefined volume', (by) => agent(by).volumeMounts.push({ name: 'ghost', mountPath: '/ghost' }), /undefined volume ghost/],
  ['selector not matching the pods', (by) => (by['DaemonSet'].spec.selector.matchLabels['app.kubernetes.io/name'] = 'other'), /selector does not match/],
  ['RBAC: delete pods', (by) => by['ClusterRole'].rules[0].verbs.push('delete'), /grants more than needed: {2}pods delete/],
  ['RBAC: read secrets', (by) => by['ClusterRole'].rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }), /grants more than needed/],
  ['RBAC: wildcard', (by) => (by['ClusterRole'].rules[1].verbs = ['*']), /wildcards/],
  ['RBAC: no watch on SLOPolicies', (by) => (by['ClusterRole'].rules[1].verbs = ['get', 'list']), /lacks: scx-slo\.io slopolicies watch/],
  ['RBAC bound to another ServiceAccount', (by) => (by['ClusterRoleBinding'].subjects[0].name = 'default'), /ClusterRoleBinding must bind/],
  ['slos.yaml not YAML', (by) => (by['ConfigMap'].data['slos.yaml'] = 'cgroups: [a'), /rejected by the agent/],
  ['slos.yaml with an unknown top-level key', (by) => (by['ConfigMap'].data['slos.yaml'] = 'policy: edf\n'), /rejected by the agent/],
  ['slos.yaml importance out of range', (by) => (by['ConfigMap'].data['slos.yaml'] = 'cgroups:\n  system.slice/x.service:\n    importance: 500\n'),
    /importance/],
  ['slos.yaml missing', (by) => delete by['ConfigMap'].data['slos.yaml'], /ConfigMap has no slos\.yaml/],
  ['--fallback-monitor missing', (by) => (agent(by).command = agent(by).command.filter((a: string) => a !== '--fallback-monitor')),
    /--fallback-monitor must be set/],
  ['--kubernetes missing', (by) => (agent(by).command = agent(by).command.filter((a: string) => a !== '--kubernetes')), /--kubernetes must be set/],
  ['an option the agent does not have', (by) => agent(by).command.push('--no-such-option'), /scx-slo run rejects the agent's options: .*--no-such-option/],
  ['a lag bound the agent refuses', (by) => (agent(by).command[agent(by).command.indexOf('--lag-ms') + 1] = '0'), /rejects the agent's options: --lag-ms/],
  ['an unknown policy', (by) => (agent(by).command[agent(by).command.indexOf('--policy') + 1] = 'cfs'), /--policy must name a built-in policy/],
  ['--cgroup-root not the host mount', (by) => (agent(by).command[agent(by).command.indexOf('--cgroup-root') + 1] = '/sys/fs/cgroup'),
    /--cgroup-root \/sys\/fs\/cgroup must be where the host/],
  ['--config outside the ConfigMap', (by) => (agent(by).command[agent(by).command.indexOf('--config') + 1] = '/tmp/slos.yaml'),
    /is not in a mounted ConfigMap/],
  ['no writable control socket directory', (by) => (agent(by).volumeMounts = agent(by).volumeMounts.filter((m: Any) => m.name !== 'run')),
    /control socket directory \/run\/scx-slo needs a writable emptyDir/],
  ['hostPort elsewhere', (by) => (agent(by).ports[0].hostPort = 9090), /hostPort must be 8080/],
  ['Service missing the pods', (by) => (by['Service/scx-slo-metrics'].spec.selector = { app: 'nothing' }), /does not select the agent pods/],
  ['Service to the wrong port', (by) => (by['Service/scx-slo-metrics'].spec.ports[0].targetPort = 9090), /does not reach the agent's port/],
  ['ServiceMonitor port name mismatch', (by) => (by['ServiceMonitor'].spec.endpoints[0].port = 'metrics'), /not a port name of the Service/],
  ['ServiceMonitor selecting both Services', (by) => delete by['ServiceMonitor'].spec.selector.matchLabels['app.kubernetes.io/component'],
    /must select exactly the headless metrics Service/],
  ['ServiceMonitor without honorLabels', (by) => delete by['ServiceMonitor'].spec.endpoints[0].honorLabels, /honorLabels/],
  ['scrapeTimeout over interval', (by) => (by['ServiceMonitor'].spec.endpoints[0].scrapeTimeout = '30s'), /scrapeTimeout exceeds interval/],
  ['an object in another namespace', (by) => (by['ConfigMap'].metadata.namespace = 'default'), /not scx-slo-system/],
];

test('the unmodified manifests pass (baseline for the mutations below)', (t) => {
  t.deepEqual(agentPolicyViolations(plainManifests(), { namespace: AGENT_NAMESPACE }), []);
});

for (const [name, mutate, expected] of POLICY_CASES) {
  test(`policy check catches: ${name}`, (t) => {
    const v = agentPolicyViolations(mutated(mutate), { namespace: AGENT_NAMESPACE });
    t.true(v.some((x) => expected.test(x)), `expected a violation matching ${expected}, got ${JSON.stringify(v)}`);
  });
}

const SCHEMA_CASES: [string, (by: Record<string, Any>) => void, string, RegExp][] = [
  ['a string containerPort', (by) => (agent(by).ports[0].containerPort = 'http'), 'DaemonSet', /containerPort must be integer/],
  ['a misspelt field', (by) => (agent(by).securityContext.readOnlyRootFileSystem = true), 'DaemonSet', /unknown field .*readOnlyRootFileSystem/],
  ['a misplaced field', (by) => (by['DaemonSet'].spec.hostPID = true), 'DaemonSet', /unknown field spec\.hostPID/],
  ['a bad quantity', (by) => (agent(by).resources.limits.memory = '512 megs'), 'DaemonSet', /quantity/],
  ['a numeric label value', (by) => (by['DaemonSet'].metadata.labels['x'] = 1), 'DaemonSet', /must be string/],
  ['a role rule without verbs', (by) => delete by['ClusterRole'].rules[0].verbs, 'ClusterRole', /verbs/],
  ['a ServiceMonitor with a bad interval', (by) => (by['ServiceMonitor'].spec.endpoints[0].interval = '15 seconds'), 'ServiceMonitor',
    /interval: does not match/],
  ['a ServiceMonitor with an unknown field', (by) => (by['ServiceMonitor'].spec.endpoints[0].scrapeInterval = '15s'), 'ServiceMonitor',
    /scrapeInterval: unknown field/],
  ['a ServiceMonitor without a selector', (by) => delete by['ServiceMonitor'].spec.selector, 'ServiceMonitor', /missing required field selector/],
];

for (const [name, mutate, kind, expected] of SCHEMA_CASES) {
  test(`schema check catches: ${name}`, (t) => {
    const obj = mutated(mutate).find((o) => o.kind === kind)!;
    const problems = schemaProblems(obj);
    t.true(problems.some((x) => expected.test(x)), `expected a problem matching ${expected}, got ${JSON.stringify(problems)}`);
  });
}

test('SLO file check catches what the agent would skip or reject', (t) => {
  t.deepEqual(sloFileViolations('cgroups:\n  system.slice/a.service:\n    budgetMs: 20\n'), []);
  t.true(sloFileViolations('cgroups:\n  system.slice/a.service:\n    budgetMs: 0\n').some((x) => /budgetMs/.test(x)));
  t.true(sloFileViolations('cgroups:\n  system.slice/a.service:\n    budgetMS: 20\n').length > 0);
  t.true(sloFileViolations('cgroups:\n  system.slice/a.service: {}\n').length > 0);
});

test('chart values that break a rule are caught by values.schema.json or in the rendered output', (t) => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ priorityClassName: '' }, /priorityClassName/],
    [{ tolerations: [] }, /tolerations/],
    [{ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 3 } } }, /maxUnavailable/],
    [{ hostPaths: { cgroup: '/var/lib' } }, /not in the allowed set/],
    [{ image: { tag: 'latest' } }, /pinned tag/],
    [{ metricsPort: 9000 }, /8080/],
    [{ seccompProfile: null }, /seccompProfile/],
    [{ agent: { policy: 'nope' } }, /agent\.policy: must match pattern/],
    [{ agent: { lagMs: 0 } }, /agent\.lagMs: must be >= 0\.05, got 0/],
    [{ agent: { extraArgs: ['--no-such-flag'] } }, /rejects the agent's options/],
    [{ cgroupSlos: { 'system.slice/a.service': { importance: 0 } } }, /cgroupSlos\.system\.slice\/a\.service\.importance: must be >= 1, got 0/],
    [{ hostPort: 9000 }, /hostPort must be 8080/],
  ];
  for (const [values, expected] of cases) {
    let v: string[];
    try {
      const objs = renderChartObjects(values).objects.map((o) => o.obj);
      v = agentPolicyViolations(objs, { namespace: AGENT_NAMESPACE });
    } catch (err) {
      if (!(err instanceof ValuesSchemaError)) throw err;
      v = [err.message];
    }
    t.true(v.some((x) => expected.test(x)), `${JSON.stringify(values)}: expected ${expected}, got ${JSON.stringify(v)}`);
  }
});

test('dashboard check catches an unknown metric, a bad label, a broken query, overlap and a hard-coded datasource', async (t) => {
  const base = JSON.parse(readFileSync(join(DEPLOY_DIR, 'grafana', 'scx-slo-dashboard.json'), 'utf8')) as Any;
  const catalog = await agentMetricCatalog();
  const check = (mutate: (d: Any) => void, expected: RegExp): void => {
    const d = JSON.parse(JSON.stringify(base)) as Any;
    mutate(d);
    const p = dashboardProblems(d, catalog);
    t.true(p.some((x) => expected.test(x)), `expected ${expected}, got ${JSON.stringify(p)}`);
  };
  check((d) => (d.panels[0].targets[0].expr = 'sum(scx_slo_attachd)'), /unknown metric scx_slo_attachd/);
  check((d) => (d.panels[4].targets[0].expr = 'sum by (podname) (rate(scx_slo_workload_runs_total[5m]))'), /unknown label podname/);
  check((d) => (d.panels[0].targets[0].expr = 'sum(scx_slo_attached{node=~"$node"}'), /syntax error/);
  check((d) => (d.panels[0].targets[0].expr = 'sum(rate(scx_slo_attached[5m]) by'), /syntax error/);
  check((d) => (d.panels[8].targets[0].expr = 'histogram_quantile(0.99, sum by (le) (rate(scx_slo_userspace_lag_seconds_sum[5m])))'),
    /unknown metric scx_slo_userspace_lag_seconds_sum/);
  check((d) => (d.panels[0].targets[0].expr = 'sum(scx_slo_attached{node=~"$nodes"})'), /unknown variable \$nodes/);
  check((d) => (d.panels[1].gridPos = { ...d.panels[0].gridPos }), /overlap/);
  check((d) => (d.panels[2].gridPos.w = 30), /within 24 columns/);
  check((d) => (d.panels[0].datasource = { type: 'prometheus', uid: 'P1809F7CD0C75ACF3' }), /datasource must be/);
  check((d) => (d.templating.list = d.templating.list.filter((x: Any) => x.type !== 'datasource')), /datasource variable/);
  check((d) => delete d.schemaVersion, /schemaVersion/);
});

test('the SLOPolicy example check catches values the CRD rejects', (t) => {
  const c = crd();
  const example = loadDir(DEMO_DIR).find((x) => x.obj.kind === 'SLOPolicy')!.obj;
  const bad = (mutate: (o: Any) => void, expected: RegExp): void => {
    const o = JSON.parse(JSON.stringify(example)) as Any;
    mutate(o);
    const p = validateCustomResource(o, c);
    t.true(p.some((x) => expected.test(x)), `expected ${expected}, got ${JSON.stringify(p)}`);
  };
  bad((o) => (o.spec.importance = 101), /importance/);
  bad((o) => (o.spec.budgetMs = 0), /budgetMs/);
  bad((o) => (o.spec.budgetMS = 5), /budgetMS: unknown field/);
  bad((o) => delete o.spec.selector, /selector/);
  bad((o) => (o.apiVersion = 'scx-slo.io/v1'), /version v1 is not in the CRD/);
});
