// The fake API server speaks the parts of the protocol the watcher relies on the way
// kube-apiserver does, checked through the real @kubernetes/client-node client: field
// selectors limited to the indexed fields (400 otherwise), label selectors (equality and
// set-based, 400 when malformed) on lists and watches, limit/continue pagination over one
// consistent snapshot with the continue token expiring (410) once compacted, and graceful
// deletion (MODIFIED with deletionTimestamp, then DELETED).
import test, { type ExecutionContext } from 'ava';
import { CoreV1Api, CustomObjectsApi, Watch, type V1Pod, type V1PodList } from '@kubernetes/client-node';
import { FakeApiServer, FakeClusterState } from './fake-apiserver.js';
import { kubeConfigFor, makePod, makePolicy, waitFor } from './helpers.js';

async function server(t: ExecutionContext): Promise<{ state: FakeClusterState; api: FakeApiServer; core: CoreV1Api }> {
  const state = new FakeClusterState();
  const api = new FakeApiServer(state);
  await api.start();
  t.teardown(() => api.stop());
  return { state, api, core: kubeConfigFor(api.url).makeApiClient(CoreV1Api) };
}

const names = (list: V1PodList): string[] => list.items.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`);

/** The HTTP status of a failed client call. */
async function failure(call: Promise<unknown>): Promise<{ code: number; body: string }> {
  try {
    await call;
  } catch (err) {
    const e = err as { code?: number; body?: unknown };
    return { code: e.code ?? -1, body: typeof e.body === 'string' ? e.body : JSON.stringify(e.body) };
  }
  throw new Error('the call succeeded');
}

test('field selectors: indexed pod fields filter, any other field is a 400 naming it', async (t) => {
  const { state, api, core } = await server(t);
  state.create('pods', makePod({ name: 'a', uid: 'u1', nodeName: 'node-a' }));
  state.create('pods', makePod({ name: 'b', uid: 'u2', nodeName: 'node-b', phase: 'Succeeded' }));
  t.deepEqual(names(await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-a' })), ['default/a']);
  t.deepEqual(names(await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName!=node-a,status.phase==Succeeded' })), ['default/b']);
  const bad = await failure(core.listPodForAllNamespaces({ fieldSelector: 'spec.containers=x' }));
  t.is(bad.code, 400);
  t.regex(bad.body, /field label not supported: spec\.containers/);
  // Custom resources only index metadata.name and metadata.namespace.
  const custom = kubeConfigFor(api.url).makeApiClient(CustomObjectsApi);
  const cr = await failure(custom.listClusterCustomObject({ group: 'scx-slo.io', version: 'v1alpha1', plural: 'slopolicies',
    fieldSelector: 'spec.budgetMs=5' }));
  t.is(cr.code, 400);
});

test('label selectors: equality and set-based requirements on lists, 400 when malformed', async (t) => {
  const { state, core } = await server(t);
  state.create('pods', makePod({ name: 'web', uid: 'u1', labels: { app: 'web', tier: 'front' } }));
  state.create('pods', makePod({ name: 'db', uid: 'u2', labels: { app: 'db' } }));
  state.create('pods', makePod({ name: 'bare', uid: 'u3' }));
  const sel = async (labelSelector: string): Promise<string[]> => names(await core.listPodForAllNamespaces({ labelSelector }))
    .map((n) => n.slice('default/'.length)).sort();
  t.deepEqual(await sel('app=web'), ['web']);
  t.deepEqual(await sel('app==db'), ['db']);
  t.deepEqual(await sel('app!=web'), ['bare', 'db'], '!= also matches objects without the label');
  t.deepEqual(await sel('app in (web,db)'), ['db', 'web']);
  t.deepEqual(await sel('app notin (web)'), ['bare', 'db']);
  t.deepEqual(await sel('tier'), ['web']);
  t.deepEqual(await sel('!tier'), ['bare', 'db']);
  t.deepEqual(await sel('app in (web,db),!tier'), ['db']);
  for (const bad of ['app=(web', 'app in web', '-bad-=x', 'app=a b']) {
    t.is((await failure(core.listPodForAllNamespaces({ labelSelector: bad }))).code, 400, bad);
  }
});

test('a watch with a label selector sees objects enter and leave it as ADDED and DELETED', async (t) => {
  const { state, api } = await server(t);
  state.create('pods', makePod({ name: 'p', uid: 'u1', labels: { app: 'web' } }));
  const rv = String(state.rv);
  const events: string[] = [];
  const watch = new Watch(kubeConfigFor(api.url));
  const ctl = await watch.watch('/api/v1/pods', { labelSelector: 'app=web', resourceVersion: rv }, (type, obj: V1Pod) =>
    events.push(`${type} ${obj.metadata!.name} ${obj.metadata!.labels?.['app']}`), () => undefined);
  t.teardown(() => ctl.abort());
  await waitFor('the watch to open', () => api.openWatches === 1);
  state.update('pods', 'default', 'p', (o) => (o.metadata.labels = { app: 'db' }));
  state.update('pods', 'default', 'p', (o) => (o.metadata.labels = { app: 'db', x: 'y' }));
  state.update('pods', 'default', 'p', (o) => (o.metadata.labels = { app: 'web' }));
  state.update('pods', 'default', 'p', (o) => (o.metadata.annotations = { a: 'b' }));
  await waitFor('three events', () => events.length >= 3);
  t.deepEqual(events, ['DELETED p db', 'ADDED p web', 'MODIFIED p web']);
});

test('limit and continue: pages of one snapshot in key order; the token expires with compaction (410) and a fresh list starts over', async (t) => {
  const { state, api, core } = await server(t);
  for (const [ns, name] of [['b', 'p2'], ['a', 'p1'], ['b', 'p1'], ['c', 'p1'], ['a', 'p2']] as const) {
    state.create('pods', makePod({ namespace: ns, name, uid: `${ns}-${name}` }));
  }
  const first = await core.listPodForAllNamespaces({ limit: 2 });
  t.deepEqual(names(first), ['a/p1', 'a/p2']);
  t.is(first.metadata!.remainingItemCount, 3);
  t.truthy(first.metadata!._continue);
  const snapshotRv = first.metadata!.resourceVersion;
  // Changes after the first page do not show in the later pages: same snapshot.
  state.delete('pods', 'b', 'p1');
  state.create('pods', makePod({ namespace: 'b', name: 'p0', uid: 'b-p0' }));
  const second = await core.listPodForAllNamespaces({ limit: 2, _continue: first.metadata!._continue });
  t.deepEqual(names(second), ['b/p1', 'b/p2']);
  t.is(second.metadata!.resourceVersion, snapshotRv);
  const third = await core.listPodForAllNamespaces({ limit: 2, _continue: second.metadata!._continue });
  t.deepEqual(names(third), ['c/p1']);
  t.falsy(third.metadata!._continue, 'last page');
  t.is(third.metadata!.remainingItemCount, undefined);
  // Selectors filter before paging, and then no remaining count is given.
  const filtered = await core.listPodForAllNamespaces({ limit: 1, fieldSelector: 'metadata.namespace=b' });
  t.deepEqual(names(filtered), ['b/p0']);
  t.is(filtered.metadata!.remainingItemCount, undefined);
  t.truthy(filtered.metadata!._continue);

  // Compaction past the snapshot: the token is refused with 410 Expired.
  const page = await core.listPodForAllNamespaces({ limit: 2 });
  state.create('pods', makePod({ namespace: 'd', name: 'p1', uid: 'd-p1' }));
  api.compact();
  const gone = await failure(core.listPodForAllNamespaces({ limit: 2, _continue: page.metadata!._continue }));
  t.is(gone.code, 410);
  t.regex(gone.body, /Expired/);
  const fresh = await core.listPodForAllNamespaces({});
  t.deepEqual(names(fresh), ['a/p1', 'a/p2', 'b/p0', 'b/p2', 'c/p1', 'd/p1']);
  t.is((await failure(core.listPodForAllNamespaces({ limit: 2, _continue: 'not-a-token' }))).code, 400);
});

test('graceful deletion: MODIFIED with deletionTimestamp while terminating, DELETED when finished', async (t) => {
  const { state, api, core } = await server(t);
  state.create('pods', makePod({ name: 'p', uid: 'u1' }));
  state.create('slopolicies', makePolicy('default', 'x', { selector: {}, budgetMs: 5 }));
  const events: string[] = [];
  const watch = new Watch(kubeConfigFor(api.url));
  const ctl = await watch.watch('/api/v1/pods', { resourceVersion: String(state.rv) }, (type, obj: V1Pod) =>
    events.push(`${type} ${obj.metadata!.deletionTimestamp ? `terminating(${obj.metadata!.deletionGracePeriodSeconds})` : 'live'}`), () => undefined);
  t.teardown(() => ctl.abort());
  await waitFor('the watch to open', () => api.openWatches === 1);
  state.deleteGracefully('pods', 'default', 'p', 30);
  await waitFor('MODIFIED', () => events.length === 1);
  t.deepEqual(names(await core.listPodForAllNamespaces({})), ['default/p'], 'still listed while terminating');
  state.finishDeletion('pods', 'default', 'p');
  await waitFor('DELETED', () => events.length === 2);
  t.deepEqual(events, ['MODIFIED terminating(30)', 'DELETED terminating(30)']);
  t.deepEqual(names(await core.listPodForAllNamespaces({})), []);
  t.throws(() => state.finishDeletion('slopolicies', 'default', 'x'), { message: /is not being deleted/ });
});
