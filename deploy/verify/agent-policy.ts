// The rules an SRE would hold the scx-slo agent's deployment to, as one function over the
// set of objects (plain manifests or a rendered chart) that returns every violation as a
// sentence. The tests assert it returns none, and that each rule fires when broken.
import { dirname } from 'node:path';
import { parseRunOptions, type RunOptions } from '../../cli/run-options.js';
import { parseSloConfig } from '../../agent/slo/slo-config-file.js';
import { BUILTIN_POLICIES, isPolicyPath } from '../../policy/registry.js';
import { durationMs, parseQuantity, selectorMatches, type K8sObject, type LabelSelector } from './k8s-check.js';

/** The capabilities the agent needs, each justified in deploy/manifests/daemonset.yaml. */
export const AGENT_CAPABILITIES = ['BPF', 'PERFMON', 'SYS_ADMIN', 'SYS_RESOURCE'] as const;
/** How the agent starts; its options are checked with the agent's own parser. */
export const AGENT_COMMAND = ['node', '/app/dist/cli/main.js', 'run'] as const;
export const AGENT_PORT = 8080;
/** The least RBAC the agent needs: "group resource verb" triples. */
export const AGENT_RBAC = [
  ' pods get',
  ' pods list',
  ' pods watch',
  'scx-slo.io slopolicies get',
  'scx-slo.io slopolicies list',
  'scx-slo.io slopolicies watch',
  ' events create',
  ' events patch',
] as const;
/** hostPaths the agent may mount, and whether it may write there. */
export const ALLOWED_HOST_PATHS: Readonly<Record<string, 'ro' | 'rw'>> = {
  '/sys/fs/cgroup': 'ro',
  '/sys/fs/bpf': 'rw',
  '/sys/kernel/btf': 'ro',
  '/sys/kernel/debug': 'ro',
  '/sys/kernel/tracing': 'ro',
};

/* eslint-disable @typescript-eslint/no-explicit-any */
// biome-ignore lint/suspicious/noExplicitAny: walking untyped YAML/JSON documents, inside this module only
type Any = any;

function byKind(objs: K8sObject[], kind: string): K8sObject[] {
  return objs.filter((o) => o.kind === kind);
}

function capName(c: string): string {
  return c.toUpperCase().replace(/^CAP_/, '');
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === a.length && a.length === b.length && b.every((x) => sa.has(x));
}

/** The port number a probe or Service targetPort names, given the container's ports. */
function resolvePort(port: unknown, container: Any): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string') {
    if (/^[0-9]+$/.test(port)) return Number(port);
    return (container.ports ?? []).find((p: Any) => p.name === port)?.containerPort;
  }
  return undefined;
}

export interface PolicyOptions {
  /** The namespace every namespaced object must be in. */
  namespace: string;
}

/** Every violation of the agent deployment rules in `objs`; [] when all hold. */
export function agentPolicyViolations(objs: K8sObject[], opts: PolicyOptions): string[] {
  const v: string[] = [];
  const dss = byKind(objs, 'DaemonSet');
  if (dss.length !== 1) return [`expected exactly one DaemonSet, found ${dss.length}`];
  const ds = dss[0] as Any;
  const pod = ds.spec?.template?.spec ?? {};
  const podLabels: Record<string, string> = ds.spec?.template?.metadata?.labels ?? {};
  const containers: Any[] = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  const agent = (pod.containers ?? []).find((c: Any) => c.name === 'agent');
  if (!agent) return [...v, 'DaemonSet has no container named "agent"'];

  // --- namespaces
  for (const o of objs) {
    const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass'].includes(o.kind);
    if (clusterScoped && o.metadata.namespace) v.push(`${o.kind} ${o.metadata.name} is cluster-scoped but has a namespace`);
    if (!clusterScoped && o.metadata.namespace !== opts.namespace) v.push(`${o.kind} ${o.metadata.name} is in namespace ${o.metadata.namespace ?? '(none)'}, ` +
      `not ${opts.namespace}`);
  }

  // --- DaemonSet shape
  if (!selectorMatches(ds.spec?.selector ?? {}, podLabels)) v.push('DaemonSet selector does not match its pod template labels');
  if (ds.spec?.updateStrategy?.type !== 'RollingUpdate') v.push('updateStrategy must be RollingUpdate');
  if (ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable !== 1) v.push('updateStrategy.rollingUpdate.maxUnavailable must be 1');
  const grace = pod.terminationGracePeriodSeconds;
  if (typeof grace !== 'number' || grace < 10 || grace > 120) v.push('terminationGracePeriodSeconds must be set, 10..120 (time for a clean detach)');
  if (pod.priorityClassName !== 'system-node-critical') v.push('priorityClassName must be system-node-critical');
  const tolerateAll = (pod.tolerations ?? []).some((t: Any) => t.operator === 'Exists' && !t.key && !t.effect);
  if (!tolerateAll) v.push('tolerations must include {operator: Exists} (every taint)');
  if (pod.hostPID !== true) v.push('hostPID must be true (the agent resolves every task on the node)');
  if (pod.hostNetwork === true) v.push('hostNetwork is not needed and must not be set');
  if (pod.hostIPC === true) v.push('hostIPC is not needed and must not be set');
  if (pod.nodeSelector?.['kubernetes.io/os'] !== 'linux') v.push('nodeSelector must pin kubernetes.io/os: linux');
  if (pod.nodeSelector?.['kubernetes.io/arch'] !== 'amd64') v.push('nodeSelector must pin kubernetes.io/arch: amd64 (the BPF objects are x86-64 only)');

  // --- security
  for (const c of containers) {
    if (c.securityContext?.privileged === true) v.push(`container ${c.name} is privileged (privileged: true is forbidden)`);
  }
  if (pod.securityContext?.privileged === true) v.push('pod securityContext sets privileged');
  const sc = agent.securityContext ?? {};
  const caps = sc.capabilities ?? {};
  const drop: string[] = (caps.drop ?? []).map(capName);
  const add: string[] = (caps.add ?? []).map(capName);
  if (!sameSet(drop, ['ALL'])) v.push(`capabilities.drop must be exactly [ALL], is ${JSON.stringify(caps.drop ?? [])}`);
  if (!sameSet(add, [...AGENT_CAPABILITIES])) v.push(`capabilities.add must be exactly ${AGENT_CAPABILITIES.join(', ')}, is ${JSON.stringify(caps.add ?? [])}`);
  if (add.includes('SYS_ADMIN') && sc.allowPrivilegeEscalation === false) v.push('allowPrivilegeEscalation: false together with SYS_ADMIN is ' +
    'rejected by the API server');
  if (sc.readOnlyRootFilesystem !== true) v.push('readOnlyRootFilesystem must be true');
  const runAsUser = sc.runAsUser ?? pod.securityContext?.runAsUser;
  if (runAsUser !== 0) v.push('runAsUser must be 0 (added capabilities reach uid 0 only)');
  if (sc.runAsNonRoot === true || pod.securityContext?.runAsNonRoot === true) v.push('runAsNonRoot: true contradicts runAsUser 0');
  const seccomp = sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') v.push('seccompProfile must be RuntimeDefault (or Localhost)');
  for (const c of containers.filter((x: Any) => x !== agent)) {
    if ((c.securityContext?.capabilities?.add ?? []).length) v.push(`container ${c.name} must not add capabilities`);
  }

  // --- command: `scx-slo run`'s options, parsed by the agent's own parser
  const cmd: string[] = [...(agent.command ?? []), ...(agent.args ?? [])];
  if (AGENT_COMMAND.some((part, i) => cmd[i] !== part)) v.push(`agent command must start with ${AGENT_COMMAND.join(' ')}, is ${cmd.join(' ')}`);
  v.push(...runOptionViolations(cmd.slice(AGENT_COMMAND.length), agent, pod, objs));

  // --- env, ports, probes
  const env: Any[] = agent.env ?? [];
  const nodeName = env.find((e) => e.name === 'NODE_NAME');
  if (nodeName?.valueFrom?.fieldRef?.fieldPath !== 'spec.nodeName' || nodeName.value !== undefined) v.push('env NODE_NAME must come from ' +
    'fieldRef spec.nodeName');
  const names = env.map((e) => e.name);
  if (new Set(names).size !== names.length) v.push('duplicate env names in the agent container');
  const httpPort = (agent.ports ?? []).find((p: Any) => p.containerPort === AGENT_PORT);
  if (!httpPort || (httpPort.protocol ?? 'TCP') !== 'TCP') v.push(`agent must expose TCP port ${AGENT_PORT}`);
  // Workloads poll http://$NODE_IP:8080/overload/... (agent/overload/middleware.ts).
  if (httpPort?.hostPort !== undefined && httpPort.hostPort !== AGENT_PORT) v.push(`hostPort must be ${AGENT_PORT}, where workloads look for the agent`);
  const probe = (name: string, path: string, required: boolean): void => {
    const p = agent[name];
    if (!p) {
      if (required) v.push(`${name} is missing`);
      return;
    }
    if (p.httpGet?.path !== path) v.push(`${name} must GET ${path}, gets ${p.httpGet?.path ?? '(no httpGet)'}`);
    if (resolvePort(p.httpGet?.port, agent) !== AGENT_PORT) v.push(`${name} must probe port ${AGENT_PORT}`);
    if ((p.failureThreshold ?? 3) * (p.periodSeconds ?? 10) < 20) v.push(`${name} gives up in under 20 s`);
  };
  probe('livenessProbe', '/healthz', true);
  probe('readinessProbe', '/readyz', true);
  probe('startupProbe', '/healthz', false);

  // --- resources
  const res = agent.resources ?? {};
  for (const r of ['cpu', 'memory']) {
    const req = res.requests?.[r];
    const lim = res.limits?.[r];
    if (req === undefined) v.push(`resources.requests.${r} must be set`);
    if (lim === undefined) v.push(`resources.limits.${r} must be set`);
    if (req !== undefined && lim !== undefined && parseQuantity(req) > parseQuantity(lim)) v.push(`resources.requests.${r} exceeds the limit`);
  }
  if (res.limits?.memory !== undefined && parseQuantity(res.limits.memory) < 128 * 2 ** 20) v.push('memory limit under 128Mi is too small for the agent');

  // --- image
  const image: string = agent.image ?? '';
  const tag = /:([^/:@]+)$/.exec(image)?.[1];
  if (!image.includes('@') && (!tag || tag === 'latest')) v.push(`agent image ${image} must have a pinned tag (not latest)`);

  // --- volumes
  const volumes = new Map<string, Any>((pod.volumes ?? []).map((x: Any) => [x.name, x]));
  for (const c of containers) {
    for (const m of c.volumeMounts ?? []) {
      const vol = volumes.get(m.name);
      if (!vol) {
        v.push(`container ${c.name} mounts undefined volume ${m.name}`);
        continue;
      }
      if (vol.hostPath) {
        const mode = ALLOWED_HOST_PATHS[vol.hostPath.path];
        if (!mode) v.push(`hostPath ${vol.hostPath.path} is not in the allowed set`);
        else if (mode === 'ro' && m.readOnly !== true) v.push(`hostPath ${vol.hostPath.path} must be mounted readOnly`);
      }
    }
  }
  for (const vol of volumes.values()) {
    if (vol.hostPath && !ALLOWED_HOST_PATHS[vol.hostPath.path]) v.push(`hostPath volume ${vol.hostPath.path} is not in the allowed set`);
  }
  const cgroupVol = [...volumes.values()].find((x) => x.hostPath?.path === '/sys/fs/cgroup');
  const cgroupMount = cgroupVol && (agent.volumeMounts ?? []).find((m: Any) => m.name === cgroupVol.name);
  if (!cgroupMount) v.push('the host cgroup2 tree (/sys/fs/cgroup) must be mounted');
  else if (cgroupMount.mountPath === '/sys/fs/cgroup') v.push('mount the host cgroup tree away from /sys/fs/cgroup (e.g. /host/sys/fs/cgroup)');
  // --- RBAC
  const saName = pod.serviceAccountName;
  if (!byKind(objs, 'ServiceAccount').some((s) => s.metadata.name === saName)) v.push(`ServiceAccount ${saName} does not exist`);
  if (pod.automountServiceAccountToken === false) v.push('the agent needs its ServiceAccount token (automountServiceAccountToken)');
  const bindings = byKind(objs, 'ClusterRoleBinding') as Any[];
  const bound = bindings.filter((b) => (b.subjects ?? []).some((s: Any) => s.kind === 'ServiceAccount' && s.name === saName && s.namespace === opts.namespace));
  if (bound.length !== 1) v.push(`exactly one ClusterRoleBinding must bind ServiceAccount ${opts.namespace}/${saName}, found ${bound.length}`);
  const roles = byKind(objs, 'ClusterRole') as Any[];
  if (roles.length !== 1) v.push(`expected one ClusterRole, found ${roles.length}`);
  if (byKind(objs, 'Role').length || byKind(objs, 'RoleBinding').length) v.push('no namespaced Roles are expected');
  for (const b of bound) {
    if (b.roleRef?.kind !== 'ClusterRole' || !roles.some((r) => r.metadata.name === b.roleRef?.name)) v.push(`ClusterRoleBinding ${b.metadata.name} refers ` +
      `to a missing ClusterRole`);
  }
  for (const role of roles) {
    const triples: string[] = [];
    for (const rule of role.rules ?? []) {
      if (rule.nonResourceURLs) v.push('ClusterRole must not grant nonResourceURLs');
      if (rule.resourceNames) v.push('unexpected resourceNames in ClusterRole');
      for (const g of rule.apiGroups ?? []) for (const r of rule.resources ?? []) for (const verb of rule.verbs ?? []) triples.push(`${g} ${r} ${verb}`);
    }
    if (triples.some((t) => t.includes('*'))) v.push('ClusterRole must not use wildcards');
    const extra = triples.filter((t) => !(AGENT_RBAC as readonly string[]).includes(t));
    const missing = AGENT_RBAC.filter((t) => !triples.includes(t));
    if (extra.length) v.push(`ClusterRole grants more than needed: ${extra.join(', ')}`);
    if (missing.length) v.push(`ClusterRole lacks: ${missing.join(', ')}`);
    if (new Set(triples).size !== triples.length) v.push('ClusterRole repeats a permission');
  }

  // --- Services and the ServiceMonitor
  const services = byKind(objs, 'Service') as Any[];
  for (const s of services) {
    if (!selectorMatches(s.spec?.selector ?? {}, podLabels) || !Object.keys(s.spec?.selector ?? {}).length) v.push(`Service ${s.metadata.name} does not ` +
      `select the agent pods`);
    for (const p of s.spec?.ports ?? []) {
      if (resolvePort(p.targetPort ?? p.port, agent) !== AGENT_PORT) v.push(`Service ${s.metadata.name} port ${p.name} does not reach the ` +
        `agent's port ${AGENT_PORT}`);
    }
  }
  const headless = services.filter((s) => s.spec?.clusterIP === 'None');
  if (headless.length !== 1) v.push(`expected one headless Service for metrics, found ${headless.length}`);
  for (const sm of byKind(objs, 'ServiceMonitor') as Any[]) {
    const selected = services.filter((s) => s.metadata.namespace === opts.namespace && selectorMatches(sm.spec?.selector ?? {}, s.metadata.labels ?? {}));
    if (selected.length !== 1 || selected[0].spec?.clusterIP !== 'None') v.push(`ServiceMonitor ${sm.metadata.name} must select exactly the headless metrics ` +
      `Service (selects ${selected.map((s) => s.metadata.name).join(', ') || 'none'})`);
    const ns = sm.spec?.namespaceSelector;
    if (ns && !ns.any && !(ns.matchNames ?? []).includes(opts.namespace)) v.push(`ServiceMonitor ${sm.metadata.name} namespaceSelector ` +
      `misses ${opts.namespace}`);
    for (const ep of sm.spec?.endpoints ?? []) {
      if (selected[0] && !(selected[0].spec?.ports ?? []).some((p: Any) => p.name === ep.port)) v.push(`ServiceMonitor endpoint port ${ep.port} is not a ` +
        `port name of the Service`);
      if ((ep.path ?? '/metrics') !== '/metrics') v.push('ServiceMonitor endpoint must scrape /metrics');
      if (ep.honorLabels !== true) v.push('ServiceMonitor endpoint needs honorLabels: true (series carry their pod\'s namespace/pod labels)');
      if (ep.interval && ep.scrapeTimeout && durationMs(ep.scrapeTimeout) > durationMs(ep.interval)) v.push('ServiceMonitor scrapeTimeout exceeds interval ' +
        '(Prometheus rejects it)');
    }
  }
  return v;
}

/** Problems with `scx-slo run`'s options and the files and mounts they name. */
function runOptionViolations(argv: string[], agent: Any, pod: Any, objs: K8sObject[]): string[] {
  const v: string[] = [];
  let opts: RunOptions;
  try {
    opts = parseRunOptions(argv, { NODE_NAME: 'node-1' });
  } catch (err) {
    return [`scx-slo run rejects the agent's options: ${(err as Error).message}`];
  }
  for (const warning of opts.warnings) v.push(`scx-slo run warns: ${warning}`);
  if (!opts.kubernetes) v.push('--kubernetes must be set');
  if (!opts.fallbackMonitor) v.push('--fallback-monitor must be set (without it a node lacking sched_ext crash-loops the agent)');
  if (opts.metricsPort !== AGENT_PORT) v.push(`--metrics-port must be ${AGENT_PORT}`);
  if (!(BUILTIN_POLICIES.has(opts.policy) || isPolicyPath(opts.policy))) v.push(`--policy must name a built-in policy ` +
    `(${[...BUILTIN_POLICIES.keys()].join(', ')}) or a module path`);
  const volumes = new Map<string, Any>((pod.volumes ?? []).map((x: Any) => [x.name, x]));
  const mounts: Any[] = agent.volumeMounts ?? [];
  const mountAt = (path: string): Any => mounts.find((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`));
  // The cgroup root must be the host's cgroup2 tree.
  const cg = mounts.find((m) => m.mountPath === opts.cgroupRoot);
  if (!cg || volumes.get(cg.name)?.hostPath?.path !== '/sys/fs/cgroup') v.push(`--cgroup-root ${opts.cgroupRoot} must be where the host's ` +
    `/sys/fs/cgroup is mounted`);
  // The SLO file must come from the ConfigMap, and the agent must accept it.
  if (!opts.config) v.push('--config must name the ConfigMap\'s SLO file');
  else {
    const m = mountAt(opts.config);
    const vol = m && volumes.get(m.name);
    const key = m ? opts.config.slice(m.mountPath.length + 1) : '';
    const cm = vol?.configMap && (objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === vol.configMap.name) as Any);
    if (!cm) v.push(`--config ${opts.config} is not in a mounted ConfigMap that exists`);
    else v.push(...sloFileViolations(cm.data?.[key], key));
  }
  // The control socket's directory must be writable (the root filesystem is not).
  const sockDir = dirname(opts.controlSocket);
  const sm = mountAt(sockDir);
  if (!sm || sm.readOnly || !volumes.get(sm.name)?.emptyDir) v.push(`the control socket directory ${sockDir} needs a writable emptyDir mount`);
  return v;
}

/** Problems with the ConfigMap's SLO file, as the agent's config-file parser sees it. */
export function sloFileViolations(text: unknown, key = 'slos.yaml'): string[] {
  if (typeof text !== 'string') return [`ConfigMap has no ${key}`];
  try {
    const parsed = parseSloConfig(text, key);
    return parsed.errors.map((e) => `${key}: ${e.field}: ${e.message}`);
  } catch (err) {
    return [`${key} is rejected by the agent: ${(err as Error).message}`];
  }
}

/** LabelSelector re-export for tests. */
export type { LabelSelector };
