// Pod -> cgroup id against temp directory trees laid out like the kubelet's, for both
// cgroup drivers, all QoS classes, a non-default kubelet cgroup root and static pods; the
// expected ids are the real inode numbers of the temp directories.
import test from 'ava';
import type { V1Pod } from '@kubernetes/client-node';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupIdOf, normalizeCgroupPath } from '../../slo/cgroup-id.js';
import { podCgroupCandidates, podCgroupPath, resolvePodCgroup, type CgroupDriver, type QosClass } from '../pod-cgroup.js';
import { CgroupTree } from './helpers.js';

const UID = '6f1c2d3e-aaaa-4bbb-8ccc-123456789abc';
const NODE_OWNER = [{ apiVersion: 'v1', kind: 'Node', name: 'node-a', uid: '11111111-2222-4333-8444-555555555555', controller: true }];
const pod = (qosClass?: string, uid = UID, annotations?: Record<string, string>): V1Pod => ({
  metadata: { namespace: 'ns', name: 'p', uid, annotations, ...(annotations ? { ownerReferences: NODE_OWNER } : {}) },
  spec: { nodeName: 'node-a', containers: [] },
  status: qosClass ? { qosClass } : {},
});

test('paths as the kubelet lays them out', (t) => {
  t.is(podCgroupPath('systemd', 'Guaranteed', UID), 'kubepods.slice/kubepods-pod6f1c2d3e_aaaa_4bbb_8ccc_123456789abc.slice');
  t.is(podCgroupPath('systemd', 'Burstable', UID), 'kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6f1c2d3e_aaaa_4bbb_8ccc_123456789abc.slice');
  t.is(podCgroupPath('systemd', 'BestEffort', UID),
    'kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod6f1c2d3e_aaaa_4bbb_8ccc_123456789abc.slice');
  t.is(podCgroupPath('cgroupfs', 'Guaranteed', UID), `kubepods/pod${UID}`);
  t.is(podCgroupPath('cgroupfs', 'Burstable', UID), `kubepods/burstable/pod${UID}`);
  t.is(podCgroupPath('cgroupfs', 'BestEffort', UID), `kubepods/besteffort/pod${UID}`);
  t.is(podCgroupPath('systemd', 'Burstable', UID, '/kubelet.slice'),
    'kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod6f1c2d3e_aaaa_4bbb_8ccc_123456789abc.slice');
  t.is(podCgroupPath('cgroupfs', 'Guaranteed', UID, '/kubelet'), `kubelet/kubepods/pod${UID}`);
});

for (const driver of ['systemd', 'cgroupfs'] as CgroupDriver[]) {
  for (const qos of ['Guaranteed', 'Burstable', 'BestEffort'] as QosClass[]) {
    test(`resolves ${driver} ${qos} pods to the directory's inode`, (t) => {
      const tree = new CgroupTree();
      t.teardown(() => tree.cleanup());
      // Decoys: other pods, the QoS parents themselves.
      tree.addPod('00000000-0000-4000-8000-000000000000', qos, driver);
      const id = tree.addPod(UID, qos, driver);
      const got = resolvePodCgroup(tree.root, pod(qos));
      t.deepEqual(got, { cgroupId: id, cgroupPath: podCgroupPath(driver, qos, UID) });
      // The stated class is wrong or missing: still found by probing.
      const wrong = qos === 'Guaranteed' ? 'BestEffort' : 'Guaranteed';
      t.is(resolvePodCgroup(tree.root, pod(wrong))?.cgroupId, id);
      t.is(resolvePodCgroup(tree.root, pod(undefined))?.cgroupId, id);
    });
  }
}

test('candidate order: stated class first, every class and driver probed', (t) => {
  const c = podCgroupCandidates(pod('BestEffort'));
  t.is(c.length, 6);
  t.is(c[0], podCgroupPath('systemd', 'BestEffort', UID));
  t.is(c[1], podCgroupPath('cgroupfs', 'BestEffort', UID));
  t.deepEqual(podCgroupCandidates(pod('Burstable'), { drivers: ['cgroupfs'] }), [
    podCgroupPath('cgroupfs', 'Burstable', UID),
    podCgroupPath('cgroupfs', 'BestEffort', UID),
    podCgroupPath('cgroupfs', 'Guaranteed', UID),
  ]);
});

test('non-default kubelet cgroup root', (t) => {
  const tree = new CgroupTree();
  t.teardown(() => tree.cleanup());
  const id = tree.addPod(UID, 'Burstable', 'systemd', '/kubelet.slice');
  t.is(resolvePodCgroup(tree.root, pod('Burstable')), undefined, 'not under the default root');
  t.is(resolvePodCgroup(tree.root, pod('Burstable'), { kubeletCgroupRoot: '/kubelet.slice' })?.cgroupId, id);
});

test('static pods are found under their config.mirror UID', (t) => {
  const tree = new CgroupTree();
  t.teardown(() => tree.cleanup());
  const hash = '0123456789abcdef0123456789abcdef';
  const id = tree.addPod(hash, 'Guaranteed', 'cgroupfs');
  t.is(resolvePodCgroup(tree.root, pod('Guaranteed', UID, { 'kubernetes.io/config.mirror': hash }))?.cgroupId, id);
});

test('a pod without a cgroup yet resolves to undefined; a file in the way is an error', (t) => {
  const tree = new CgroupTree();
  t.teardown(() => tree.cleanup());
  t.is(resolvePodCgroup(tree.root, pod('Burstable')), undefined);
  mkdirSync(join(tree.root, 'kubepods.slice', 'kubepods-burstable.slice'), { recursive: true });
  writeFileSync(join(tree.root, podCgroupPath('systemd', 'Burstable', UID)), '');
  t.throws(() => resolvePodCgroup(tree.root, pod('Burstable')), { message: /not a directory/ });
});

test('cgroup paths are normalized and checked', (t) => {
  t.is(normalizeCgroupPath('/system.slice//nginx.service/'), 'system.slice/nginx.service');
  t.throws(() => normalizeCgroupPath('/'), { message: /empty/ });
  t.throws(() => normalizeCgroupPath('system.slice/../etc'), { message: /"\.\."/ });
  const tree = new CgroupTree();
  t.teardown(() => tree.cleanup());
  const id = tree.add('system.slice/nginx.service');
  t.is(cgroupIdOf(tree.root, 'system.slice/nginx.service'), id);
  t.is(cgroupIdOf(tree.root, 'system.slice/none.service'), undefined);
});
