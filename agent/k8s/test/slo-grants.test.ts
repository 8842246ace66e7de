// Pod SLOs on a shared cluster, with the real informer against the fake API server: a pod
// asking for more than its namespace was granted is clamped to the grant, counted and
// told by an Event; and a pod's kubernetes.io/config.mirror annotation only points the SLO
// at another cgroup when the pod is a real mirror pod (owned by its Node).
import test, { type ExecutionContext } from 'ava';
import { DEFAULT_SLO_GRANT, type SloGrants } from '../../../policy/slo-grant.js';
import { GrantClampCounter } from '../../metrics/grant-clamps.js';
import { MemorySloStore } from '../../slo/slo-store.js';
import { CLAMPED_REASON } from '../grant-clamp-reporter.js';
import { startPodSloWatcher, type PodSloWatcherOptions } from '../pod-slo-watcher.js';
import { FakeApiServer, FakeClusterState } from './fake-apiserver.js';
import { CgroupTree, kubeConfigFor, makePod, MemoryLog, waitFor } from './helpers.js';

const UID = (n: number): string => `aaaaaaaa-bbbb-4ccc-8ddd-${n.toString().padStart(12, '0')}`;
const MS = 1_000_000;

async function rig(t: ExecutionContext, extra: Partial<PodSloWatcherOptions> = {}) {
  const state = new FakeClusterState();
  const server = new FakeApiServer(state);
  await server.start();
  const tree = new CgroupTree();
  const store = new MemorySloStore();
  const clamps = new GrantClampCounter();
  const log = new MemoryLog();
  const watcher = startPodSloWatcher({
    kubeConfig: kubeConfigFor(server.url),
    nodeName: 'node-a',
    store,
    cgroupRoot: tree.root,
    grantClamps: clamps,
    log,
    resyncIntervalMs: 50,
    watchPolicies: false,
    ...extra,
  });
  t.teardown(async () => {
    await watcher.stop();
    await server.stop();
    tree.cleanup();
  });
  await watcher.whenSynced(10_000);
  return { state, server, tree, store, clamps, log, watcher };
}

type Reported = { reason: string; message: string; involvedObject: { name: string; namespace: string } };

test.serial('an ungranted namespace gets the default grant: a 1 us / 100 pod is clamped to 100 ms / 50, counted once, with one Event', async (t) => {
  const r = await rig(t);
  const hog = r.tree.addPod(UID(1));
  const fine = r.tree.addPod(UID(2));
  r.state.create('pods', makePod({ namespace: 'tenant', name: 'hog', uid: UID(1), annotations: { 'scx-slo/budget-ms': '0.001',
    'scx-slo/importance': '100' } }));
  r.state.create('pods', makePod({ namespace: 'tenant', name: 'fine', uid: UID(2), annotations: { 'scx-slo/budget-ms': '250', 'scx-slo/importance': '20' } }));
  await waitFor('both entries', () => r.store.entries().size === 2);
  t.deepEqual(r.store.entries().get(hog), { budgetNs: DEFAULT_SLO_GRANT.minBudgetNs, importance: DEFAULT_SLO_GRANT.maxImportance });
  t.deepEqual(r.store.entries().get(fine), { budgetNs: 250 * MS, importance: 20 }, 'a pod within its grant is untouched');
  await waitFor('the Event', () => r.state.events.length >= 1);
  await new Promise((res) => setTimeout(res, 300)); // several resync passes
  const events = r.state.events as unknown as Reported[];
  t.is(events.length, 1, 'one Event, not one per resync');
  t.is(events[0]!.reason, CLAMPED_REASON);
  t.deepEqual([events[0]!.involvedObject.namespace, events[0]!.involvedObject.name], ['tenant', 'hog']);
  t.regex(events[0]!.message, /budget 0\.001 ms raised to 100 ms, importance 100 lowered to 50/);
  t.deepEqual(
    r.clamps.list().sort((a, b) => a.field.localeCompare(b.field)),
    [{ namespace: 'tenant', field: 'budget', count: 1 }, { namespace: 'tenant', field: 'importance', count: 1 }],
  );
});

test.serial('a namespace the admin granted may claim up to its grant, and no further', async (t) => {
  const grants: SloGrants = { default: DEFAULT_SLO_GRANT, namespaces: new Map([['shop', { minBudgetNs: 5 * MS, maxImportance: 90 }]]) };
  const r = await rig(t, { grants });
  const web = r.tree.addPod(UID(1));
  const greedy = r.tree.addPod(UID(2));
  r.state.create('pods', makePod({ namespace: 'shop', name: 'web', uid: UID(1), annotations: { 'scx-slo/budget-ms': '10', 'scx-slo/importance': '90' } }));
  r.state.create('pods', makePod({ namespace: 'shop', name: 'greedy', uid: UID(2), annotations: { 'scx-slo/budget-ms': '1', 'scx-slo/importance': '99' } }));
  await waitFor('both entries', () => r.store.entries().size === 2);
  t.deepEqual(r.store.entries().get(web), { budgetNs: 10 * MS, importance: 90 });
  t.deepEqual(r.store.entries().get(greedy), { budgetNs: 5 * MS, importance: 90 });
});

test.serial('config.mirror is honoured only for a pod its Node owns', async (t) => {
  const r = await rig(t);
  // A victim pod's cgroup, and a pod that claims to be its mirror to steer the SLO there.
  const victimUid = UID(9);
  const victim = r.tree.addPod(victimUid, 'Guaranteed', 'cgroupfs');
  r.state.create('pods', makePod({
    namespace: 'tenant', name: 'impostor', uid: UID(1), qosClass: 'Guaranteed',
    annotations: { 'kubernetes.io/config.mirror': victimUid, 'scx-slo/budget-ms': '500', 'scx-slo/importance': '1' },
  }));
  await new Promise((res) => setTimeout(res, 300));
  r.watcher.reconcile();
  t.false(r.store.entries().has(victim), 'an annotation alone does not redirect the SLO');
  t.is(r.watcher.status().unresolved, 1);

  // A real mirror pod (static pod): the kubelet made it and the Node owns it.
  const staticHash = '0123456789abcdef0123456789abcdef';
  const staticPod = r.tree.addPod(staticHash, 'Guaranteed', 'cgroupfs');
  r.state.create('pods', makePod({
    namespace: 'kube-system', name: 'etcd-node-a', uid: UID(2), qosClass: 'Guaranteed',
    annotations: { 'kubernetes.io/config.mirror': staticHash, 'scx-slo/budget-ms': '200', 'scx-slo/importance': '40' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-a', uid: '11111111-2222-4333-8444-555555555555', controller: true }],
  }));
  await waitFor('the static pod entry', () => r.store.entries().has(staticPod));
  t.deepEqual(r.store.entries().get(staticPod), { budgetNs: 200 * MS, importance: 40 });

  // Owned by another node (or any other kind) does not count.
  const otherHash = 'fedcba9876543210fedcba9876543210';
  const other = r.tree.addPod(otherHash, 'Guaranteed', 'cgroupfs');
  r.state.create('pods', makePod({
    namespace: 'tenant', name: 'owned-elsewhere', uid: UID(3), qosClass: 'Guaranteed',
    annotations: { 'kubernetes.io/config.mirror': otherHash, 'scx-slo/budget-ms': '300' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-b', uid: '11111111-2222-4333-8444-666666666666' }],
  }));
  await new Promise((res) => setTimeout(res, 300));
  t.false(r.store.entries().has(other));
  t.false(r.store.entries().has(victim));
});
