// deploy/image/daemonset-podman.ts, which turns the DaemonSet's agent container into the
// `podman run` arguments of `make image-check`: the real manifest translates into the
// security context it asks for, and anything it cannot translate faithfully is an error.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { DAEMONSET_FILE, podmanRunFromDaemonSet } from '../image/daemonset-podman.js';

const manifest = readFileSync(DAEMONSET_FILE, 'utf8');

test('the DaemonSet translates into its security context: caps, uid, read-only root, hostPID, mounts', (t) => {
  const run = podmanRunFromDaemonSet(manifest, '/sys/fs/cgroup', '/tmp/config');
  const o = run.options.join(' ');
  t.regex(o, /--user 0:0/);
  t.regex(o, /--cap-drop ALL --cap-add BPF --cap-add PERFMON --cap-add SYS_ADMIN --cap-add SYS_RESOURCE/);
  t.regex(o, /--read-only --read-only-tmpfs=false/);
  t.regex(o, /--pid host/);
  t.regex(o, /--volume \/sys\/fs\/cgroup:\/host\/sys\/fs\/cgroup:ro/);
  t.regex(o, /--volume \/tmp\/config:\/etc\/scx-slo:ro/);
  t.regex(o, /--tmpfs \/run\/scx-slo:rw,size=1m,mode=0777/);
  t.regex(o, /--tmpfs \/tmp:rw,size=16m,mode=0777/);
  t.is(run.port, 8080);
  t.deepEqual(run.entrypoint.slice(0, 3), ['node', '/app/dist/cli/main.js', 'run']);
  t.false(run.entrypoint.includes('--kubernetes'));
  t.true(run.entrypoint.includes('--fallback-monitor'));
});

interface Container {
  securityContext: Record<string, unknown> & { capabilities: { drop: string[] } };
  volumeMounts: { name: string; mountPath: string }[];
}
interface Pod {
  hostNetwork?: boolean;
  containers: Container[];
  volumes: Record<string, unknown>[];
}
const mutate = (f: (c: Container, pod: Pod) => void): string => {
  const ds = parse(manifest) as { spec: { template: { spec: Pod } } };
  const pod = ds.spec.template.spec;
  f(pod.containers[0]!, pod);
  return stringify(ds);
};

test('a field it cannot translate faithfully is an error, not a weaker check', (t) => {
  const cases: [string, RegExp][] = [
    [mutate((c) => (c.securityContext.procMount = 'Unmasked')), /fields this check does not translate: procMount/],
    [mutate((c) => (c.securityContext.privileged = true)), /privileged: true/],
    [mutate((c) => (c.securityContext.seccompProfile = { type: 'Unconfined' })), /only RuntimeDefault/],
    [mutate((c) => (c.securityContext.capabilities.drop = ['NET_RAW'])), /drop must be \[ALL\]/],
    [mutate((_c, pod) => (pod.hostNetwork = true)), /hostNetwork/],
    [mutate((c, pod) => {
      pod.volumes.push({ name: 'root', hostPath: { path: '/' } });
      c.volumeMounts.push({ name: 'root', mountPath: '/host' });
    }), /hostPath \/: only the cgroup tree/],
  ];
  for (const [m, expected] of cases) t.throws(() => podmanRunFromDaemonSet(m, '/sys/fs/cgroup', '/tmp/c'), { message: expected });
});
