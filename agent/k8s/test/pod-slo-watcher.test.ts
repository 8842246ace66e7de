// The pod watcher with the real @kubernetes/client-node informer against the fake API
// server: the SLO store must equal what the pods say after every sequence, including
// dropped connections, 410 relists and API server restarts with changes made while down.
import test, { type ExecutionContext } from 'ava';
import { DEFAULT_BUDGET_NS, DEFAULT_IMPORTANCE, type SloEntry } from '../../../policy/api.js';
import { ConfigErrorCounter } from '../../metrics/config-errors.js';
import { MemorySloStore } from '../../slo/slo-store.js';
import { UNLIMITED_SLO_GRANT } from '../../../policy/slo-grant.js';
import { startPodSloWatcher, type PodSloWatcher, type PodSloWatcherOptions } from '../pod-slo-watcher.js';
import { FakeApiServer, FakeClusterState, type FakeApiServerOptions } from './fake-apiserver.js';
import { CgroupTree, kubeConfigFor, makePod, makePolicy, MemoryLog, waitFor, type KubeEvent } from './helpers.js';


const UID = (n: number): string => `aaaaaaaa-bbbb-4ccc-8ddd-${n.toString().padStart(12, '0')}`;
const MS = 1_000_000;

interface Rig {
  state: FakeClusterState;
  server: FakeApiServer;
  tree: CgroupTree;
  store: MemorySloStore;
  counter: ConfigErrorCounter;
  log: MemoryLog;
  watcher: PodSloWatcher;
}

async function rig(
  t: ExecutionContext,
  server: FakeApiServerOptions = {},
  extra: Partial<PodSloWatcherOptions> = {},
  before?: (r: Omit<Rig, 'watcher'>) => void,
  waitSynced = true,
): Promise<Rig> {
  const state = new FakeClusterState();
  const srv = new FakeApiServer(state, server);
  await srv.start();
  const tree = new CgroupTree();
  const store = new MemorySloStore();
  const counter = new ConfigErrorCounter();
  const log = new MemoryLog();
  before?.({ state, server: srv, tree, store, counter, log });
  const watcher = startPodSloWatcher({
    kubeConfig: kubeConfigFor(srv.url),
    nodeName: 'node-a',
    store,
    cgroupRoot: tree.root,
    configErrors: counter,
    // These tests are about sources and precedence, not grants (slo-grants.test.ts).
    grants: { default: UNLIMITED_SLO_GRANT, namespaces: new Map() },
    log,
    resyncIntervalMs: 50,
    policyWaitMs: 3000,
    backoff: { initialMs: 20, maxMs: 200 },
    maxReconnectDelayMs: 50,
    ...extra,
  });
  const r: Rig = { state, server: srv, tree, store, counter, log, watcher };
  t.teardown(async () => {
    await r.watcher.stop();
    await r.server.stop();
    tree.cleanup();
  });
  if (waitSynced) await watcher.whenSynced(10_000);
  return r;
}

const entry = (budgetMs: number, importance = DEFAULT_IMPORTANCE): SloEntry => ({ budgetNs: budgetMs * MS, importance });

function storeText(store: MemorySloStore): string {
  return JSON.stringify([...store.entries()].sort((a, b) => a[0] - b[0]));
}

/** Waits until the store holds exactly `want`. */
async function expectStore(t: ExecutionContext, store: MemorySloStore, want: Map<number, SloEntry>, what: string): Promise<void> {
  const wantText = JSON.stringify([...want].sort((a, b) => a[0] - b[0]));
  try {
    await waitFor(what, () => storeText(store) === wantText, 10_000);
  } catch {
    t.fail(`${what}: store is ${storeText(store)}, want ${wantText}`);
  }
  t.is(storeText(store), wantText, what);
}

const listRequests = (s: FakeApiServer, path = '/api/v1/pods'): number => s.requests.filter((r) => r.path === path && r.query['watch'] !== 'true').length;

test.serial('add, modify and delete pods; other nodes, no-SLO pods and finished pods get no entry', async (t) => {
  const r = await rig(t);
  const id1 = r.tree.addPod(UID(1), 'Burstable');
  const id2 = r.tree.addPod(UID(2), 'Guaranteed', 'systemd');
  r.tree.addPod(UID(3));
  r.tree.addPod(UID(4));
  r.state.create('pods', makePod({ name: 'web', uid: UID(1), annotations: { 'scx-slo/budget-ms': '20', 'scx-slo/importance': '80' } }));
  r.state.create('pods', makePod({ name: 'db', namespace: 'data', uid: UID(2), qosClass: 'Guaranteed', annotations: { 'scx-slo/importance': '90' } }));
  r.state.create('pods', makePod({ name: 'plain', uid: UID(3) }));
  r.state.create('pods', makePod({ name: 'elsewhere', uid: UID(4), nodeName: 'node-b', annotations: { 'scx-slo/budget-ms': '5' } }));
  await expectStore(t, r.store, new Map([[id1, entry(20, 80)], [id2, { budgetNs: DEFAULT_BUDGET_NS, importance: 90 }]]), 'after adds');
  t.deepEqual(r.watcher.registry.byCgroupId(id1)?.pod, { namespace: 'default', name: 'web', uid: UID(1) });
  t.is(r.watcher.registry.byPod('data', 'db')?.cgroupId, id2);

  r.state.update('pods', 'default', 'web', (o) => (o.metadata.annotations!['scx-slo/budget-ms'] = '35ms'));
  r.state.update('pods', 'default', 'plain', (o) => (o.metadata.annotations = { 'scx-slo/budget-ms': '7.5' }));
  const id3 = r.tree.addPod(UID(3));
  await expectStore(t, r.store, new Map([[id1, entry(35, 80)], [id2, { budgetNs: DEFAULT_BUDGET_NS, importance: 90 }], [id3, entry(7.5)]]), 'after modifies');

  r.state.delete('pods', 'data', 'db');
  r.state.update('pods', 'default', 'plain', (o) => (o.status = { phase: 'Succeeded', qosClass: 'Burstable' }));
  await expectStore(t, r.store, new Map([[id1, entry(35, 80)]]), 'after delete and completion');
  t.is(r.watcher.registry.byPod('data', 'db'), undefined);
  t.is(r.watcher.registry.list().length, 1);

  // Every request was for this node only, and one the real server accepts (the fake
  // refuses unsupported field and bad label selectors with 400, as it does).
  for (const req of r.server.requests.filter((q) => q.path === '/api/v1/pods')) t.is(req.query['fieldSelector'], 'spec.nodeName=node-a');
  t.deepEqual(r.server.requests.filter((q) => q.status === 400), []);
  const status = r.watcher.status();
  t.true(status.synced);
  t.is(status.entries, 1);
  t.is(status.unresolved, 0);
});

test.serial('bad annotations: the default or the valid value applies, counted once, one Event per problem', async (t) => {
  const r = await rig(t);
  const id = r.tree.addPod(UID(1));
  r.tree.addPod(UID(2));
  r.state.create('pods', makePod({ name: 'web', uid: UID(1), annotations: { 'scx-slo/budget-ms': 'fast', 'scx-slo/importance': '80' } }));
  r.state.create('pods', makePod({ name: 'bad', uid: UID(2), annotations: { 'scx-slo/budget-ms': '3600001', 'scx-slo/importance': '101' } }));
  await expectStore(t, r.store, new Map([[id, { budgetNs: DEFAULT_BUDGET_NS, importance: 80 }]]), 'bad budget ignored, valid importance kept');
  await waitFor('3 events', () => r.state.events.length === 3);
  await new Promise((res) => setTimeout(res, 300)); // several resync passes
  t.is(r.state.events.length, 3, 'no repeated Events on resync');
  const ev = r.state.events.find((e) => (e as unknown as { involvedObject: { name: string } }).involvedObject.name === 'web') as unknown as KubeEvent;
  t.is(ev['reason'], 'InvalidSLOAnnotation');
  t.is(ev['type'], 'Warning');
  t.is(ev['metadata'].namespace, 'default');
  t.deepEqual(ev['involvedObject'], { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web', uid: UID(1) });
  t.regex(ev['message'], /scx-slo\/budget-ms: invalid value "fast"/);
  t.is(ev['source'].host, 'node-a');
  t.deepEqual(
    r.counter.list().sort((a, b) => a.field.localeCompare(b.field)),
    [
      { source: 'annotation', field: 'scx-slo/budget-ms', count: 2 },
      { source: 'annotation', field: 'scx-slo/importance', count: 1 },
    ],
  );
  t.true(r.log.lines.some((l) => l.includes('"3600001"')));

  // A different bad value is a new problem; fixing it clears it.
  r.state.update('pods', 'default', 'web', (o) => (o.metadata.annotations!['scx-slo/budget-ms'] = '-1'));
  await waitFor('4th event', () => r.state.events.length === 4);
  r.state.update('pods', 'default', 'web', (o) => (o.metadata.annotations!['scx-slo/budget-ms'] = '15'));
  await expectStore(t, r.store, new Map([[id, entry(15, 80)]]), 'fixed');
  t.is(r.counter.total(), 4);
});

test.serial('a pod whose cgroup does not exist yet is picked up later; a vanished cgroup drops the entry', async (t) => {
  const r = await rig(t);
  r.state.create('pods', makePod({ name: 'new', uid: UID(7), qosClass: 'BestEffort', phase: 'Pending', annotations: { 'scx-slo/budget-ms': '10' } }));
  await waitFor('unresolved', () => r.watcher.status().unresolved === 1);
  t.is(r.store.entries().size, 0);
  const id = r.tree.addPod(UID(7), 'BestEffort', 'cgroupfs');
  await expectStore(t, r.store, new Map([[id, entry(10)]]), 'resolved by the periodic pass');
  t.is(r.watcher.status().unresolved, 0);
  t.regex(r.watcher.registry.byCgroupId(id)!.cgroupPath, /^kubepods\/besteffort\/pod/);
  r.tree.remove('kubepods');
  await expectStore(t, r.store, new Map(), 'cgroup gone');
});

test.serial('dropped watch connection: restarted, resumes from its resourceVersion, nothing lost', async (t) => {
  const r = await rig(t);
  const ids = [1, 2, 3].map((n) => r.tree.addPod(UID(n)));
  r.state.create('pods', makePod({ name: 'p1', uid: UID(1), annotations: { 'scx-slo/budget-ms': '1' } }));
  r.state.create('pods', makePod({ name: 'p2', uid: UID(2), annotations: { 'scx-slo/budget-ms': '2' } }));
  await expectStore(t, r.store, new Map([[ids[0]!, entry(1)], [ids[1]!, entry(2)]]), 'before drop');
  await waitFor('watches open', () => r.server.openWatches === 2);
  r.server.dropWatches();
  // Changes the client cannot see as they happen; the history keeps them.
  r.state.delete('pods', 'default', 'p1');
  r.state.update('pods', 'default', 'p2', (o) => (o.metadata.annotations!['scx-slo/budget-ms'] = '22'));
  r.state.create('pods', makePod({ name: 'p3', uid: UID(3), annotations: { 'scx-slo/budget-ms': '3' } }));
  await expectStore(t, r.store, new Map([[ids[1]!, entry(22)], [ids[2]!, entry(3)]]), 'after reconnect');
  t.is(listRequests(r.server), 1, 'resumed without relisting');
  await waitFor('restart counted', () => (r.watcher.status().watchRestarts?.['pods'] ?? 0) >= 1);
  t.true(r.log.lines.some((l) => l.includes('pods watch stopped')));
});

for (const goneAs of ['event', 'http'] as const) {
  test.serial(`410 Gone (${goneAs}) after a dropped connection: relist, deletions seen, no duplicates`, async (t) => {
    const r = await rig(t, { goneAs });
    const ids = [1, 2, 3, 4].map((n) => r.tree.addPod(UID(n)));
    for (const n of [1, 2, 3]) r.state.create('pods', makePod({ name: `p${n}`, uid: UID(n), annotations: { 'scx-slo/budget-ms': `${n}` } }));
    await expectStore(t, r.store, new Map([[ids[0]!, entry(1)], [ids[1]!, entry(2)], [ids[2]!, entry(3)]]), 'before');
    await waitFor('watches open', () => r.server.openWatches === 2);
    r.server.dropWatches();
    r.state.delete('pods', 'default', 'p1');
    r.state.update('pods', 'default', 'p2', (o) => (o.metadata.annotations = {}));
    r.state.update('pods', 'default', 'p3', (o) => (o.metadata.annotations!['scx-slo/importance'] = '5'));
    r.state.create('pods', makePod({ name: 'p4', uid: UID(4), annotations: { 'scx-slo/budget-ms': '4' } }));
    r.server.compact();
    await expectStore(t, r.store, new Map([[ids[2]!, entry(3, 5)], [ids[3]!, entry(4)]]), 'after relist');
    t.is(listRequests(r.server), 2, 'relisted once');
    if (goneAs === 'http') t.is(r.server.requests.filter((q) => q.path === '/api/v1/pods' && q.status === 410).length, 1);
    t.is(r.store.entries().size, 2);
  });
}

test.serial('graceful deletion: the SLO stays while the pod terminates (its containers still run) and goes with the DELETED', async (t) => {
  const r = await rig(t);
  const id1 = r.tree.addPod(UID(1));
  const id2 = r.tree.addPod(UID(2));
  r.state.create('pods', makePod({ name: 'p1', uid: UID(1), annotations: { 'scx-slo/budget-ms': '1' } }));
  await expectStore(t, r.store, new Map([[id1, entry(1)]]), 'before');
  r.state.deleteGracefully('pods', 'default', 'p1', 30);
  // A later event on the same watch: once it is applied, the MODIFIED before it was too.
  r.state.create('pods', makePod({ name: 'p2', uid: UID(2), annotations: { 'scx-slo/budget-ms': '2' } }));
  await expectStore(t, r.store, new Map([[id1, entry(1)], [id2, entry(2)]]), 'p1 terminating, p2 added');
  r.state.finishDeletion('pods', 'default', 'p1');
  await expectStore(t, r.store, new Map([[id2, entry(2)]]), 'after the DELETED');
  // A pod whose deletion completes while the watch is down and compacted: the relist drops it.
  r.state.deleteGracefully('pods', 'default', 'p2', 30);
  await waitFor('watches open', () => r.server.openWatches === 2);
  r.server.endWatches();
  r.state.finishDeletion('pods', 'default', 'p2');
  r.server.compact();
  await expectStore(t, r.store, new Map(), 'after the relist');
});

test.serial('410 Gone after the server ends a watch cleanly: the library relists by itself', async (t) => {
  const r = await rig(t);
  const id1 = r.tree.addPod(UID(1));
  const id2 = r.tree.addPod(UID(2));
  r.state.create('pods', makePod({ name: 'p1', uid: UID(1), annotations: { 'scx-slo/budget-ms': '1' } }));
  await expectStore(t, r.store, new Map([[id1, entry(1)]]), 'before');
  await waitFor('watches open', () => r.server.openWatches === 2);
  r.server.endWatches();
  r.state.delete('pods', 'default', 'p1');
  r.state.create('pods', makePod({ name: 'p2', uid: UID(2), annotations: { 'scx-slo/budget-ms': '2' } }));
  r.server.compact();
  await expectStore(t, r.store, new Map([[id2, entry(2)]]), 'after relist');
  t.is(listRequests(r.server), 2);
  t.is(r.watcher.status().watchRestarts?.['pods'], 0, 'no error restart was needed');
});

test.serial('bookmarks keep the resourceVersion fresh: no 410 after compaction', async (t) => {
  const r = await rig(t);
  const id = r.tree.addPod(UID(1));
  r.state.create('pods', makePod({ name: 'p1', uid: UID(1), annotations: { 'scx-slo/budget-ms': '1' } }));
  await expectStore(t, r.store, new Map([[id, entry(1)]]), 'before');
  // Policies elsewhere move the resourceVersion on; only a bookmark tells the pod watch.
  r.state.create('slopolicies', makePolicy('other', 'x', { selector: {}, budgetMs: 9 }));
  r.state.create('slopolicies', makePolicy('other', 'y', { selector: {}, budgetMs: 9 }));
  await waitFor('watches open', () => r.server.openWatches === 2);
  t.true(r.server.requests.some((q) => q.query['watch'] === 'true' && q.query['allowWatchBookmarks'] === 'true'));
  // The bookmark line goes out before the clean end of the stream, so the library reads
  // it first; the proof is the watch it opens next, from the bookmark's resourceVersion.
  const bookmarkRv = String(r.state.rv);
  const requestsBefore = r.server.requests.length;
  r.server.sendBookmarks();
  r.server.endWatches();
  r.server.compact();
  await waitFor('the pods watch resumed from the bookmark', () =>
    r.server.requests.slice(requestsBefore).some((q) => q.path === '/api/v1/pods' && q.query['watch'] === 'true' && q.query['resourceVersion'] === bookmarkRv));
  r.state.update('pods', 'default', 'p1', (o) => (o.metadata.annotations!['scx-slo/budget-ms'] = '11'));
  await expectStore(t, r.store, new Map([[id, entry(11)]]), 'after resume');
  t.is(listRequests(r.server), 1, 'no relist: the bookmark moved the resourceVersion past the compaction');
});

test.serial('API server restart on the same port with changes made while it was down', async (t) => {
  const r = await rig(t);
  const ids = [1, 2, 3, 4].map((n) => r.tree.addPod(UID(n)));
  for (const n of [1, 2, 3]) r.state.create('pods', makePod({ name: `p${n}`, uid: UID(n), annotations: { 'scx-slo/budget-ms': `${n}` } }));
  await expectStore(t, r.store, new Map([[ids[0]!, entry(1)], [ids[1]!, entry(2)], [ids[2]!, entry(3)]]), 'before');
  const port = r.server.port;
  await r.server.stop();
  r.state.delete('pods', 'default', 'p1');
  r.state.update('pods', 'default', 'p2', (o) => (o.metadata.annotations!['scx-slo/budget-ms'] = '20'));
  r.state.create('pods', makePod({ name: 'p4', uid: UID(4), annotations: { 'scx-slo/budget-ms': '4' } }));
  await new Promise((res) => setTimeout(res, 300)); // a few refused reconnects
  t.is(storeText(r.store), JSON.stringify([[ids[0]!, entry(1)], [ids[1]!, entry(2)], [ids[2]!, entry(3)]].sort((a, b) => (a[0] as number) - (b[0] as number))),
    'store unchanged while the server is down');
  // A restarted kube-apiserver's watch cache starts at the current resourceVersion.
  r.server = new FakeApiServer(r.state);
  await r.server.start(port);
  await expectStore(t, r.store, new Map([[ids[1]!, entry(20)], [ids[2]!, entry(3)], [ids[3]!, entry(4)]]), 'after restart');
  t.true((r.watcher.status().watchRestarts?.['pods'] ?? 0) >= 1);
  t.true(r.log.lines.some((l) => /pods watch stopped: .*ECONNREFUSED|pods watch stopped: .*terminated/.test(l)), r.log.lines.join('\n'));
  // Later changes still arrive.
  r.state.delete('pods', 'default', 'p3');
  await expectStore(t, r.store, new Map([[ids[1]!, entry(20)], [ids[3]!, entry(4)]]), 'after a later delete');
});

test.serial('API server restart that kept its watch history: resume without relist', async (t) => {
  const r = await rig(t);
  const id1 = r.tree.addPod(UID(1));
  const id2 = r.tree.addPod(UID(2));
  r.state.create('pods', makePod({ name: 'p1', uid: UID(1), annotations: { 'scx-slo/budget-ms': '1' } }));
  await expectStore(t, r.store, new Map([[id1, entry(1)]]), 'before');
  const port = r.server.port;
  const historyFrom = r.server.historyFrom;
  await r.server.stop();
  r.state.create('pods', makePod({ name: 'p2', uid: UID(2), annotations: { 'scx-slo/budget-ms': '2' } }));
  r.server = new FakeApiServer(r.state, { historyFrom });
  await r.server.start(port);
  await expectStore(t, r.store, new Map([[id1, entry(1)], [id2, entry(2)]]), 'after restart');
  t.is(listRequests(r.server), 0, 'the new server saw no list');
});

test.serial('failing lists at start: not synced (not ready) until a list succeeds', async (t) => {
  const state = new FakeClusterState();
  const server = new FakeApiServer(state);
  await server.start();
  server.failNext(/^\/api\/v1\/pods\?fieldSelector/, 500, 4);
  const tree = new CgroupTree();
  const id = tree.addPod(UID(1));
  state.create('pods', makePod({ name: 'p1', uid: UID(1), annotations: { 'scx-slo/budget-ms': '1' } }));
  const store = new MemorySloStore();
  const watcher = startPodSloWatcher({
    kubeConfig: kubeConfigFor(server.url),
    nodeName: 'node-a',
    store,
    cgroupRoot: tree.root,
    events: false,
    grants: { default: UNLIMITED_SLO_GRANT, namespaces: new Map() },
    log: new MemoryLog(),
    resyncIntervalMs: 50,
    backoff: { initialMs: 60, maxMs: 60 },
  });
  t.teardown(async () => {
    await watcher.stop();
    await server.stop();
    tree.cleanup();
  });
  await waitFor('two failed lists', () => server.requests.filter((q) => q.status === 500).length >= 2);
  t.false(watcher.synced());
  t.false(watcher.status().synced);
  t.is(store.entries().size, 0);
  await watcher.whenSynced(10_000);
  t.is(server.requests.filter((q) => q.path === '/api/v1/pods' && q.status === 500).length, 4);
  t.is(watcher.status().watchRestarts?.['pods'], 4);
  await expectStore(t, store, new Map([[id, entry(1)]]), 'after the list succeeded');
});

test.serial('SLOPolicy: selection, precedence, updates, deletion and invalid values', async (t) => {
  const r = await rig(t);
  const [web, webAnn, other] = [1, 2, 3, 4].map((n) => r.tree.addPod(UID(n))) as [number, number, number, number];
  r.state.create('slopolicies', makePolicy('shop', 'web', { selector: { matchLabels: { app: 'web' } }, budgetMs: 30, importance: 70 }));
  r.state.create('slopolicies', makePolicy('shop', 'all', { selector: {}, budgetMs: 500 }));
  r.state.create('slopolicies', makePolicy('other-ns', 'web', { selector: { matchLabels: { app: 'web' } }, budgetMs: 1 }));
  r.state.create('pods', makePod({ namespace: 'shop', name: 'web-1', uid: UID(1), labels: { app: 'web' } }));
  r.state.create('pods', makePod({ namespace: 'shop', name: 'web-2', uid: UID(2), labels: { app: 'web' }, annotations: { 'scx-slo/budget-ms': '10' } }));
  r.state.create('pods', makePod({ namespace: 'shop', name: 'worker', uid: UID(3), labels: { app: 'worker' } }));
  r.state.create('pods', makePod({ namespace: 'plain', name: 'api', uid: UID(4), labels: { app: 'web' } }));
  await expectStore(
    t,
    r.store,
    new Map([[web, entry(30, 70)], [webAnn, entry(10, 70)], [other, entry(500)]]),
    'most specific policy wins; annotations override field by field; other namespaces unaffected',
  );
  // Equally specific: the name that sorts first wins.
  r.state.create('slopolicies', makePolicy('shop', 'a-web', { selector: { matchExpressions: [{ key: 'app', operator: 'In',
    values: ['web'] }] }, budgetMs: 40 }));
  await expectStore(t, r.store, new Map([[web, entry(40)], [webAnn, entry(10)], [other, entry(500)]]), 'tie broken by name');
  r.state.delete('slopolicies', 'shop', 'a-web');
  r.state.update('slopolicies', 'shop', 'web', (o) => (o.spec!['budgetMs'] = 'soon'));
  await expectStore(t, r.store, new Map([[web, { budgetNs: DEFAULT_BUDGET_NS, importance: 70 }], [webAnn, entry(10, 70)], [other, entry(500)]]),
    'invalid policy budget -> default');
  await waitFor('policy events', () => r.state.events.filter((e) => (e as unknown as { reason: string }).reason === 'InvalidSLOPolicy').length === 2);
  const ev = r.state.events.find((e) => (e as unknown as { reason: string }).reason === 'InvalidSLOPolicy') as unknown as { message: string;
    involvedObject: { kind: string } };
  t.is(ev.involvedObject.kind, 'Pod');
  t.regex(ev.message, /SLOPolicy shop\/web spec\.budgetMs: invalid value "soon"/);
  t.deepEqual(r.counter.list(), [{ source: 'slopolicy', field: 'spec.budgetMs', count: 1 }]);
  r.state.delete('slopolicies', 'shop', 'web');
  r.state.delete('slopolicies', 'shop', 'all');
  await expectStore(t, r.store, new Map([[webAnn, entry(10)]]), 'policies deleted');
});

test.serial('without the SLOPolicy CRD, annotations still work and the source syncs', async (t) => {
  const r = await rig(t, { crdInstalled: false });
  const id = r.tree.addPod(UID(1));
  r.state.create('pods', makePod({ name: 'p1', uid: UID(1), annotations: { 'scx-slo/budget-ms': '1' } }));
  await expectStore(t, r.store, new Map([[id, entry(1)]]), 'annotation applies');
  t.true(r.watcher.synced());
  t.true(r.log.lines.some((l) => l.includes('SLOPolicy CRD not installed')));
  // Installing the CRD later is picked up by the retries.
  r.state.create('slopolicies', makePolicy('default', 'imp', { selector: {}, importance: 99 }));
  r.server.crdInstalled = true;
  await expectStore(t, r.store, new Map([[id, entry(1, 99)]]), 'policy after CRD install');
});

test.serial('a store that fails is retried on the next pass', async (t) => {
  class FlakyStore extends MemorySloStore {
    failures = 2;
    override set(id: number, slo: SloEntry): void {
      if (this.failures > 0) {
        this.failures -= 1;
        throw new Error('map full');
      }
      super.set(id, slo);
    }
  }
  const store = new FlakyStore();
  const r = await rig(t, {}, { store });
  const id = r.tree.addPod(UID(1));
  r.state.create('pods', makePod({ name: 'p1', uid: UID(1), annotations: { 'scx-slo/budget-ms': '1' } }));
  await waitFor('stored', () => store.get(id)?.budgetNs === MS);
  t.is(r.watcher.status().storeErrors, 2);
  t.true(r.log.lines.some((l) => l.includes('map full')));
});

test.serial('SLOPolicies that cannot be listed (403) do not hold pods back forever', async (t) => {
  let id = 0;
  let server: FakeApiServer | undefined;
  const { store, log, watcher } = await rig(t, {}, { events: false, policyWaitMs: 2000, backoff: { initialMs: 50, maxMs: 100 } }, (r) => {
    server = r.server;
    r.server.failNext(/^\/apis\/scx-slo\.io\//, 403, 1000);
    id = r.tree.addPod(UID(1));
    r.state.create('pods', makePod({ name: 'p1', uid: UID(1), annotations: { 'scx-slo/budget-ms': '1' } }));
  }, false);
  // Pods listed and policies refused: the watcher still holds back (for up to policyWaitMs).
  await waitFor('pods listed and a policy list refused', () =>
    server!.requests.some((q) => q.path === '/api/v1/pods' && q.query['watch'] !== 'true' && q.status === 200) &&
    server!.requests.some((q) => q.path.startsWith('/apis/scx-slo.io/') && q.status === 403));
  t.false(watcher.synced(), 'waits for policies first');
  await watcher.whenSynced(5000);
  await expectStore(t, store, new Map([[id, entry(1)]]), 'pods applied without policies');
  t.true(log.lines.some((l) => l.includes('slopolicies watch stopped: HTTP 403')));
});

test.serial('a list that never answers times out and is retried', async (t) => {
  let id = 0;
  const { store, log, watcher } = await rig(t, {}, { events: false, watchPolicies: false, listTimeoutMs: 200, backoff: { initialMs: 20, maxMs: 100 } }, (r) => {
    r.server.hangNext(/^\/api\/v1\/pods\?fieldSelector/);
    id = r.tree.addPod(UID(1));
    r.state.create('pods', makePod({ name: 'p1', uid: UID(1), annotations: { 'scx-slo/budget-ms': '1' } }));
  }, false);
  await watcher.whenSynced(5000);
  await expectStore(t, store, new Map([[id, entry(1)]]), 'after the retried list');
  t.true(log.lines.some((l) => l.includes('list of pods did not complete within 200 ms')));
  t.deepEqual(watcher.status().watchRestarts, { pods: 1 });
});

test('bad node name or cgroup root: a clear error naming the value', (t) => {
  const base = { kubeConfig: kubeConfigFor('http://127.0.0.1:9'), store: new MemorySloStore(), log: new MemoryLog(), events: false as const };
  t.throws(() => startPodSloWatcher({ ...base, nodeName: 'node-a,spec.x=y', cgroupRoot: '/' }),
    { message: /nodeName "node-a,spec\.x=y" is not a valid node name/ });
  t.throws(() => startPodSloWatcher({ ...base, nodeName: '' }), { message: /nodeName is empty/ });
  t.throws(() => startPodSloWatcher({ ...base, nodeName: 'node-a', cgroupRoot: '/nonexistent/cgroup' }),
    { message: /cgroupRoot "\/nonexistent\/cgroup" does not exist/ });
});
