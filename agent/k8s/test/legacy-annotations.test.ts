// Users arriving from the original scx-slo write-ups annotate `slo.latency.p99: "200ms"`.
// scx-slo does not read it: the pod gets a Warning Event that names the keys to use and
// the budget the value translates to, counted like a bad annotation, and no SLO.
import test from 'ava';
import { ConfigErrorCounter } from '../../metrics/config-errors.js';
import { MemorySloStore } from '../../slo/slo-store.js';
import { sloFromAnnotations } from '../slo-annotations.js';
import { startPodSloWatcher } from '../pod-slo-watcher.js';
import { FakeApiServer, FakeClusterState } from './fake-apiserver.js';
import { CgroupTree, kubeConfigFor, makePod, MemoryLog, waitFor } from './helpers.js';

test('slo.latency.* annotations are reported with the scx-slo keys and the budget they translate to', (t) => {
  const r = sloFromAnnotations({ 'slo.latency.p99': '200ms', 'slo.latency.p95': '0.05s', 'slo.latency.p50': 'soon' }, 'shop/front');
  t.deepEqual(r.slo, {});
  t.deepEqual(r.problems.map((p) => [p.field, p.value]), [['slo.latency.p99', '200ms'], ['slo.latency.p95', '0.05s'], ['slo.latency.p50', 'soon']]);
  t.is(r.problems[0]!.message,
    'pod shop/front annotation slo.latency.p99: invalid value "200ms": scx-slo does not read slo.latency.* annotations; set scx-slo/budget-ms: "200" and ' +
      'scx-slo/importance: "1".."100" instead; ignored');
  t.regex(r.problems[1]!.message, /scx-slo\/budget-ms: "50"/);
  t.regex(r.problems[2]!.message, /scx-slo\/budget-ms: "<milliseconds>"/);
});

test('annotations of other tools are left alone', (t) => {
  t.deepEqual(sloFromAnnotations({ 'slo.io/target': 'x', 'prometheus.io/scrape': 'true' }, 'a/b').problems, []);
});

test('a pod annotated only slo.latency.p99 gets a Warning Event on itself and no SLO', async (t) => {
  const state = new FakeClusterState();
  const server = new FakeApiServer(state);
  await server.start();
  const tree = new CgroupTree();
  const store = new MemorySloStore();
  const counter = new ConfigErrorCounter();
  const uid = 'aaaaaaaa-bbbb-4ccc-8ddd-000000000001';
  tree.addPod(uid);
  const watcher = startPodSloWatcher({
    kubeConfig: kubeConfigFor(server.url), nodeName: 'node-a', store, cgroupRoot: tree.root, configErrors: counter,
    log: new MemoryLog(), resyncIntervalMs: 50, policyWaitMs: 3000, backoff: { initialMs: 20, maxMs: 200 }, maxReconnectDelayMs: 50,
  });
  try {
    state.create('pods', makePod({ namespace: 'shop', name: 'front', uid, annotations: { 'slo.latency.p99': '200ms' } }));
    await waitFor('an Event', () => state.events.length === 1, 10_000);
    const ev = state.events[0] as unknown as { type: string; reason: string; message: string; involvedObject: { name: string; namespace: string } };
    t.is(ev.type, 'Warning');
    t.is(ev.reason, 'InvalidSLOAnnotation');
    t.deepEqual([ev.involvedObject.namespace, ev.involvedObject.name], ['shop', 'front']);
    t.regex(ev.message, /slo\.latency\.p99: invalid value "200ms": .*scx-slo\/budget-ms: "200"/);
    t.deepEqual(counter.list(), [{ source: 'annotation', field: 'slo.latency.p99', count: 1 }]);
    t.is(store.entries().size, 0, 'no SLO from a key scx-slo does not read');
  } finally {
    await watcher.stop();
    await server.stop();
    tree.cleanup();
  }
});
