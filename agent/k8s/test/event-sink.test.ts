// KubernetesEventSink against the fake API server: a core/v1 Event per warning, POSTed to
// the object's namespace, rate-limited by a token bucket; failures are counted, not thrown.
import test from 'ava';
import { KubernetesEventSink } from '../event-sink.js';
import { FakeApiServer, FakeClusterState } from './fake-apiserver.js';
import { kubeConfigFor, MemoryLog, type KubeEvent } from './helpers.js';


const pod = { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'web-1', uid: 'u-1' };

test.serial('posts Warning Events; beyond the burst they wait in a bounded queue', async (t) => {
  const state = new FakeClusterState();
  const server = new FakeApiServer(state);
  await server.start();
  t.teardown(() => server.stop());
  const sink = new KubernetesEventSink(kubeConfigFor(server.url), { host: 'node-a', burst: 2, perSecond: 10, maxQueued: 1, log: new MemoryLog() });
  const started = Date.now();
  for (let i = 0; i < 4; i++) sink.warning(pod, 'InvalidSLOAnnotation', `problem ${i}`);
  t.is(sink.counts.dropped, 1, 'the queue holds one');
  await sink.flush();
  t.true(Date.now() - started >= 80, 'the queued one waited for a token');
  t.deepEqual(sink.counts, { posted: 3, dropped: 1, failed: 0 });
  t.deepEqual(state.events.map((e) => (e as unknown as { message: string }).message), ['problem 0', 'problem 1', 'problem 2']);
  const ev = state.events[0] as unknown as KubeEvent;
  t.like(ev, { apiVersion: 'v1', kind: 'Event', type: 'Warning', reason: 'InvalidSLOAnnotation', message: 'problem 0', count: 1, reportingComponent: 'scx-slo',
    reportingInstance: 'node-a' });
  t.is(ev['metadata'].namespace, 'shop');
  t.regex(ev['metadata'].name, /^web-1\.[0-9a-f]+$/);
  t.not(ev['metadata'].name, (state.events[1] as unknown as KubeEvent)['metadata'].name);
  t.deepEqual(ev['involvedObject'], pod);
  t.deepEqual(ev['source'], { component: 'scx-slo', host: 'node-a' });
  t.true(!Number.isNaN(Date.parse(ev['firstTimestamp'])));
  t.true(server.requests.every((r) => r.method === 'POST' && r.path === '/api/v1/namespaces/shop/events'));
});

test.serial('a failing API server is logged and counted, never thrown', async (t) => {
  const state = new FakeClusterState();
  const server = new FakeApiServer(state);
  await server.start();
  t.teardown(() => server.stop());
  server.failNext(/events/, 403);
  const log = new MemoryLog();
  const sink = new KubernetesEventSink(kubeConfigFor(server.url), { host: 'node-a', log });
  sink.warning(pod, 'InvalidSLOPolicy', 'x');
  await sink.flush();
  t.deepEqual(sink.counts, { posted: 0, dropped: 0, failed: 1 });
  t.regex(log.lines.join('\n'), /cannot post Event InvalidSLOPolicy for Pod shop\/web-1: HTTP 403/);
});
