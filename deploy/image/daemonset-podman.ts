// Translates the agent container of deploy/manifests/daemonset.yaml into `podman run`
// arguments, so `make image-check` (deploy/image/run-check.sh) runs the image with the
// DaemonSet's exact security context: capabilities (drop ALL, add the listed ones), the
// uid, read-only root filesystem, hostPID, the runtime's default seccomp profile, the
// host cgroup2 tree read-only, the ConfigMap's slos.yaml read-only and the writable
// in-memory emptyDirs. Any security-relevant field it does not know how to translate is
// an error, so the check cannot silently run with less than the DaemonSet asks for.
// Kubernetes-only parts are left out on purpose and listed in `omitted`: --kubernetes
// (no API server here), NODE_NAME, probes, resources, hostPort (the port is published
// on 127.0.0.1 only).
//
// CLI: node dist/deploy/image/daemonset-podman.js HOST_CGROUP2 CONFIG_DIR
//   (CONFIG_DIR holds the ConfigMap's files, i.e. slos.yaml, as the kubelet mounts them)
//   prints one podman argument per line (the image goes last, then the command).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/* A loosely typed view of the parts of the manifest read here. */
interface Container {
  command: string[];
  securityContext: Record<string, unknown> & { capabilities?: { drop?: string[]; add?: string[] }; seccompProfile?: { type: string } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  ports: { containerPort: number }[];
}
interface Volume {
  name: string;
  hostPath?: { path: string };
  configMap?: { name: string };
  emptyDir?: { medium?: string; sizeLimit?: string };
}
interface PodSpec {
  hostPID?: boolean;
  hostNetwork?: boolean;
  hostIPC?: boolean;
  containers: Container[];
  volumes: Volume[];
}

export interface PodmanRun {
  /** podman run options, before the image. */
  options: string[];
  /** The container's command (replaces the image's entrypoint). */
  entrypoint: string[];
  /** The container port of /metrics. */
  port: number;
  /** What the manifest has and the local run leaves out, and why. */
  omitted: string[];
}

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DAEMONSET_FILE = join(REPO_ROOT, 'deploy', 'manifests', 'daemonset.yaml');

const KNOWN_SECURITY_KEYS = new Set(['runAsUser', 'runAsGroup', 'runAsNonRoot', 'privileged', 'readOnlyRootFilesystem', 'capabilities', 'seccompProfile']);

/** Memory-medium sizeLimit ("1Mi", "16Mi") as a tmpfs size option ("1m", "16m"). */
function tmpfsSize(limit: string | undefined): string {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(limit ?? '');
  if (!m) throw new Error(`emptyDir sizeLimit ${JSON.stringify(limit)}: expected a number with Ki, Mi or Gi`);
  return `${m[1]}${(m[2] ?? '').charAt(0).toLowerCase()}`;
}

export function podmanRunFromDaemonSet(manifest: string, hostCgroup2: string, configDir: string): PodmanRun {
  const ds = parseAllDocuments(manifest).map((d) => d.toJS() as Record<string, unknown>).find((o) => o['kind'] === 'DaemonSet');
  if (!ds) throw new Error('no DaemonSet in the manifest');
  const spec = (ds['spec'] as { template: { spec: PodSpec } }).template.spec;
  if (spec.containers.length !== 1) throw new Error(`expected one container, found ${spec.containers.length}`);
  const c = spec.containers[0]!;
  const sc = c.securityContext;
  const unknown = Object.keys(sc).filter((k) => !KNOWN_SECURITY_KEYS.has(k));
  if (unknown.length) throw new Error(`securityContext fields this check does not translate: ${unknown.join(', ')}`);
  if (sc['privileged'] === true) throw new Error('privileged: true is not translated (and must not be set)');
  if (spec.hostNetwork || spec.hostIPC) throw new Error('hostNetwork/hostIPC are not translated (and must not be set)');

  const options: string[] = [];
  const omitted: string[] = [];
  const user = `${Number(sc['runAsUser'] ?? 0)}:${Number(sc['runAsGroup'] ?? 0)}`;
  options.push('--user', user);
  if (sc.capabilities?.drop?.length !== 1 || sc.capabilities.drop[0] !== 'ALL') throw new Error('capabilities.drop must be [ALL]');
  options.push('--cap-drop', 'ALL');
  for (const cap of sc.capabilities.add ?? []) options.push('--cap-add', cap);
  if (sc['readOnlyRootFilesystem'] === true) options.push('--read-only', '--read-only-tmpfs=false');
  const seccomp = sc.seccompProfile?.type;
  if (seccomp !== 'RuntimeDefault') throw new Error(`seccompProfile ${JSON.stringify(seccomp)}: only RuntimeDefault (podman's default profile) is translated`);
  if (spec.hostPID) options.push('--pid', 'host');

  const volumes = new Map(spec.volumes.map((v) => [v.name, v]));
  for (const m of c.volumeMounts) {
    const v = volumes.get(m.name);
    if (!v) throw new Error(`volumeMount ${m.name}: no such volume`);
    if (v.hostPath) {
      if (v.hostPath.path !== '/sys/fs/cgroup') throw new Error(`hostPath ${v.hostPath.path}: only the cgroup tree is translated`);
      // The host's cgroup2 mount: /sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one.
      options.push('--volume', `${hostCgroup2}:${m.mountPath}:${m.readOnly ? 'ro' : 'rw'}`);
    } else if (v.configMap) {
      if (!m.readOnly) throw new Error(`configMap mount ${m.mountPath} must be readOnly`);
      options.push('--volume', `${configDir}:${m.mountPath}:ro`);
    } else if (v.emptyDir) {
      if (v.emptyDir.medium !== 'Memory') throw new Error(`emptyDir ${v.name}: only medium Memory is translated`);
      // emptyDirs are created mode 0777 by the kubelet.
      options.push('--tmpfs', `${m.mountPath}:rw,size=${tmpfsSize(v.emptyDir.sizeLimit)},mode=0777`);
    } else {
      throw new Error(`volume ${v.name}: kind not translated`);
    }
  }

  const port = c.ports[0]?.containerPort;
  if (!port) throw new Error('the agent container has no port');
  const entrypoint = c.command.filter((a) => a !== '--kubernetes');
  if (entrypoint.length === c.command.length) throw new Error('the DaemonSet command lacks --kubernetes (expected to drop it here)');
  omitted.push('--kubernetes and NODE_NAME (no API server on this machine: SLOs come from the ConfigMap\'s slos.yaml only)');
  omitted.push('probes, resources, priority, tolerations (kubelet features; the check polls /healthz and /readyz itself)');
  omitted.push(`hostPort (the container port ${port} is published on 127.0.0.1 only)`);
  return { options, entrypoint, port, omitted };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [hostCgroup2, configDir] = process.argv.slice(2);
  if (!hostCgroup2 || !configDir) {
    console.error('usage: daemonset-podman.js HOST_CGROUP2 CONFIG_DIR');
    process.exit(2);
  }
  const run = podmanRunFromDaemonSet(readFileSync(DAEMONSET_FILE, 'utf8'), hostCgroup2, configDir);
  // Line-oriented for bash's mapfile: the options, "--", the entrypoint; comments start with #.
  for (const o of run.omitted) console.log(`# omitted: ${o}`);
  console.log(`# port ${run.port}`);
  for (const a of run.options) console.log(a);
  console.log('--');
  for (const a of run.entrypoint) console.log(a);
}
