// The agent's port is not open to everyone: no hostPort by default (opt-in in the chart),
// and a NetworkPolicy that selects the agent pods and admits only Prometheus (selectors
// configurable) and labelled /overload/ clients, on the http port.
import test from 'ava';
import { plainManifests, renderChartObjects } from '../verify/deploy-files.js';
import type { K8sObject } from '../verify/k8s-check.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
// biome-ignore lint/suspicious/noExplicitAny: walking untyped YAML/JSON documents, inside this module only
type Any = any;

const find = (objs: K8sObject[], kind: string): Any => objs.find((o) => o.kind === kind);

function checkPolicy(t: import('ava').ExecutionContext, objs: K8sObject[]): Any {
  const np = find(objs, 'NetworkPolicy');
  const ds = find(objs, 'DaemonSet');
  t.truthy(np, 'a NetworkPolicy is shipped');
  t.is(np.metadata.namespace, ds.metadata.namespace);
  const podLabels = ds.spec.template.metadata.labels as Record<string, string>;
  for (const [k, v] of Object.entries(np.spec.podSelector.matchLabels as Record<string, string>)) t.is(podLabels[k], v, `selects the agent pods by ${k}`);
  t.deepEqual(np.spec.policyTypes, ['Ingress']);
  t.is(np.spec.ingress.length, 1, 'one rule: the scrapers and overload clients');
  const rule = np.spec.ingress[0];
  t.deepEqual(rule.ports, [{ port: 'http', protocol: 'TCP' }]);
  for (const peer of rule.from) {
    t.truthy(peer.podSelector?.matchLabels, 'every peer is narrowed to labelled pods, never a whole namespace or IP block');
    t.falsy(peer.ipBlock);
  }
  t.is(ds.spec.template.spec.containers[0].ports.find((p: Any) => p.name === 'http').hostPort, undefined, 'no hostPort');
  return np;
}

test('the plain manifests: no hostPort, and a NetworkPolicy admitting only Prometheus and overload clients', (t) => {
  const np = checkPolicy(t, plainManifests());
  const [prometheus, clients] = np.spec.ingress[0].from;
  t.deepEqual(prometheus.namespaceSelector, { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } });
  t.deepEqual(prometheus.podSelector, { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } });
  t.deepEqual(clients.podSelector, { matchLabels: { 'scx-slo.io/overload-client': 'true' } });
});

test('the chart: the same by default; the Prometheus selectors, the overload clients and the hostPort are values', (t) => {
  checkPolicy(t, renderChartObjects().objects.map((o) => o.obj));
  const custom = renderChartObjects({
    networkPolicy: { from: [{ namespaceSelector: { matchLabels: { team: 'observability' } }, podSelector: { matchLabels: { app: 'vmagent' } } }] },
  }).objects.map((o) => o.obj);
  const np = checkPolicy(t, custom);
  t.deepEqual(np.spec.ingress[0].from, [{ namespaceSelector: { matchLabels: { team: 'observability' } }, podSelector: { matchLabels: { app: 'vmagent' } } }]);
  t.falsy(find(renderChartObjects({ networkPolicy: { enabled: false } }).objects.map((o) => o.obj), 'NetworkPolicy'));
  const withHostPort = find(renderChartObjects({ hostPort: 8080 }).objects.map((o) => o.obj), 'DaemonSet');
  t.is(withHostPort.spec.template.spec.containers[0].ports[0].hostPort, 8080, 'hostPort is an opt-in value');
});
