// End to end in the sched_ext guest, Kubernetes style: pods annotated with
// scx-slo/budget-ms and scx-slo/importance are served by a local API server that speaks
// the list/watch protocol (agent/k8s/test/fake-apiserver.ts: no cluster can run here),
// their cgroups are real cgroup v2 directories laid out like the kubelet's systemd
// driver, and `scx-slo run --kubernetes` must: resolve each pod to its cgroup id, put
// the SLO in the kernel's slo_cfg map (read with bpftool, not the agent's own table),
// leave out the pods of other nodes and the pod with a bad annotation (all of which have
// cgroups here), report the bad annotation (config error metric and Event), show the
// pods' runs and deadline misses in /metrics with namespace/pod labels, answer
// "overloaded" with its reason while the pod misses deadlines (and not once it is
// idle), remove a deleted pod's SLO from the kernel map, and exit 0 on SIGTERM.
// Prints one line per check and "k8s-e2e: N passed, N failed".
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { schedExtState } from '../../kernel/kernel-support.js';
import { describeSlo, kernelSloMapOrEmpty, type KernelSlo } from './kernel-slo-map.js';
import { kernelLogMark, kernelLogSince, scenarioLogProblems } from './kernel-log.js';
import { podCgroupPath } from '../../k8s/pod-cgroup.js';
import { FakeApiServer, FakeClusterState } from '../../k8s/test/fake-apiserver.js';
import { makePod } from '../../k8s/test/helpers.js';

const REPO = process.env['SCX_SLO_REPO'] ?? process.cwd();
const CLI = join(REPO, 'dist', 'cli', 'main.js');
const CG = '/sys/fs/cgroup';
const WORK = '/tmp/scx-slo-k8s';
const SOCK = '/run/scx-slo-k8s/agent.sock';
const NODE = 'guest-node';
const METRICS_PORT = 18080;

let passed = 0;
let failed = 0;
function check(name: string, ok: boolean, detail: string): void {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} k8s: ${name}: ${detail}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Creates the pod's cgroup and one container cgroup below it, enabling +cpu on the way. */
function kubeletCgroups(uid: string): { podId: number; container: string } {
  const rel = podCgroupPath('systemd', 'Burstable', uid);
  let dir = CG;
  for (const part of rel.split('/')) {
    writeFileSync(join(dir, 'cgroup.subtree_control'), '+cpu');
    dir = join(dir, part);
    mkdirSync(dir, { recursive: true });
  }
  writeFileSync(join(dir, 'cgroup.subtree_control'), '+cpu');
  const container = join(dir, 'cri-containerd-main.scope');
  mkdirSync(container, { recursive: true });
  return { podId: Number(statSync(dir, { bigint: true }).ino), container };
}

function spawnIn(cgroupDir: string, cmd: string): ChildProcess {
  return spawn('sh', ['-c', `echo $$ > ${join(cgroupDir, 'cgroup.procs')} && exec ${cmd}`], { stdio: 'ignore' });
}

interface OverloadBody {
  overloaded?: boolean;
  reason?: string | null;
}

async function overloadOf(namespace: string, pod: string): Promise<{ status: number; body: OverloadBody }> {
  const res = await fetch(`http://127.0.0.1:${METRICS_PORT}/overload/${namespace}/${pod}`);
  return { status: res.status, body: (await res.json()) as OverloadBody };
}

async function metricsText(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
}

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const state = new FakeClusterState();
  const front = { uid: '5b9c2f1e-0a4d-4c1b-9a8e-000000000001', ...kubeletCgroups('5b9c2f1e-0a4d-4c1b-9a8e-000000000001') };
  const batch = { uid: '5b9c2f1e-0a4d-4c1b-9a8e-000000000002', ...kubeletCgroups('5b9c2f1e-0a4d-4c1b-9a8e-000000000002') };
  state.create('pods', makePod({
    namespace: 'shop', name: 'front', uid: front.uid, nodeName: NODE,
    annotations: { 'scx-slo/budget-ms': '5ms', 'scx-slo/importance': '90' },
  }));
  state.create('pods', makePod({
    namespace: 'shop', name: 'batch', uid: batch.uid, nodeName: NODE,
    annotations: { 'scx-slo/budget-ms': '500', 'scx-slo/importance': '10' },
  }));
  // The bad pod and the other node's pod get cgroups too, so leaving them out is the
  // agent's doing and not a cgroup that cannot be found.
  const typo = { uid: '5b9c2f1e-0a4d-4c1b-9a8e-000000000003', ...kubeletCgroups('5b9c2f1e-0a4d-4c1b-9a8e-000000000003') };
  const elsewhere = { uid: '5b9c2f1e-0a4d-4c1b-9a8e-000000000004', ...kubeletCgroups('5b9c2f1e-0a4d-4c1b-9a8e-000000000004') };
  state.create('pods', makePod({ namespace: 'shop', name: 'typo', uid: typo.uid, nodeName: NODE, annotations: { 'scx-slo/budget-ms': 'fast' } }));
  state.create('pods', makePod({
    namespace: 'other', name: 'elsewhere', uid: elsewhere.uid, nodeName: 'another-node',
    annotations: { 'scx-slo/importance': '99' },
  }));
  const api = new FakeApiServer(state);
  await api.start();
  const kubeconfig = join(WORK, 'kubeconfig');
  writeFileSync(kubeconfig, [
    'apiVersion: v1', 'kind: Config', 'current-context: fake',
    'clusters:', `- name: fake`, `  cluster: {server: "${api.url}", insecure-skip-tls-verify: true}`,
    'users:', '- name: agent', '  user: {token: test-token}',
    'contexts:', '- name: fake', '  context: {cluster: fake, user: agent}', '',
  ].join('\n'));

  const logMark = kernelLogMark();
  // The admin grants namespace "shop" the tight SLO its front pod asks for (other
  // namespaces keep the default grant: budget >= 100 ms, importance <= 50).
  const grants = join(WORK, 'slo-grants.yaml');
  writeFileSync(grants, 'namespaces:\n  shop: { minBudgetMs: 1, maxImportance: 90 }\n');
  const agent = spawn('node', [CLI, 'run', '--kubernetes', '--node-name', NODE, '--lag-ms', process.env['SCX_SLO_GUEST_LAG_MS'] ?? '50',
    '--stall-ms', '1000', '--heartbeat-ms', '50', '--metrics-port', String(METRICS_PORT), '--metrics-host', '127.0.0.1',
    '--control-socket', SOCK, '--slo-grants', grants], { stdio: 'inherit', env: { ...process.env, KUBECONFIG: kubeconfig } });
  let exited = false;
  let exitCode: number | null | undefined;
  let exitSignal: NodeJS.Signals | null = null;
  agent.on('exit', (code, signal) => {
    exited = true;
    exitCode = code;
    exitSignal = signal;
  });
  try {
    for (let i = 0; i < 900 && !exited && schedExtState().state !== 'enabled'; i++) await sleep(200);
    check('agent attached with --kubernetes', schedExtState().state === 'enabled', `state ${schedExtState().state}`);
    const want = (slos: Map<number, KernelSlo>): boolean =>
      slos.get(front.podId)?.budgetNs === 5_000_000 && slos.get(front.podId)?.importance === 90 &&
      slos.get(batch.podId)?.budgetNs === 500_000_000 && slos.get(batch.podId)?.importance === 10;
    let slos = kernelSloMapOrEmpty();
    for (let i = 0; i < 300 && !want(slos); i++) {
      await sleep(200);
      slos = kernelSloMapOrEmpty();
    }
    check('annotated pods reach the kernel SLO map by their cgroup ids', want(slos),
      `slo_cfg (bpftool): front ${front.podId} -> ${describeSlo(slos.get(front.podId))}, batch ${batch.podId} -> ${describeSlo(slos.get(batch.podId))}`);
    // Give the watcher time to (wrongly) add the others before looking.
    await sleep(2000);
    slos = kernelSloMapOrEmpty();
    check('only this node\'s pods, and not the bad one', slos.size === 2 && !slos.has(typo.podId) && !slos.has(elsewhere.podId),
      `${slos.size} entries in slo_cfg; typo ${typo.podId} -> ${describeSlo(slos.get(typo.podId))}, ` +
      `elsewhere ${elsewhere.podId} -> ${describeSlo(slos.get(elsewhere.podId))}`);

    // Work in the pods' container cgroups: the SLO of the pod cgroup covers them. While
    // the probe misses its deadlines (a 0.55 ms deadline under emulation), the pod must be
    // reported overloaded. Under emulation the agent may answer seconds after the query,
    // so the probe runs long enough to still be missing when it does, and is stopped once
    // the answer came.
    const hogs = spawnIn(batch.container, 'stress-ng --cpu 4 --timeout 120 --quiet');
    const probe = spawnIn(front.container, 'cyclictest -p 0 --policy=other -i 2000 -q -D 40');
    let probeDone = false;
    const probeExit = new Promise((r) => probe.on('exit', r)).then(() => (probeDone = true));
    await sleep(8000);
    let overloadedReply: { status: number; body: OverloadBody } | undefined;
    let lastReply: { status: number; body: OverloadBody } | undefined;
    let queries = 0;
    while (!probeDone && !overloadedReply) {
      lastReply = await overloadOf('shop', 'front');
      queries += 1;
      if (lastReply.body.overloaded === true) overloadedReply = lastReply;
      else await sleep(100);
    }
    probe.kill('SIGINT');
    await probeExit;
    hogs.kill('SIGKILL');

    const text = await metricsText();
    const frontRuns = sample(text, 'scx_slo_workload_runs_total', { namespace: 'shop', pod: 'front' });
    const frontMisses = sample(text, 'scx_slo_workload_deadline_misses_total', { namespace: 'shop', pod: 'front' });
    const batchRuns = sample(text, 'scx_slo_workload_runs_total', { namespace: 'shop', pod: 'batch' });
    check('the pods\' runs show in /metrics with namespace and pod', (frontRuns ?? 0) > 100 && (batchRuns ?? 0) > 0,
      `front runs ${frontRuns}, batch runs ${batchRuns}`);
    check('the pod\'s deadline misses show in /metrics', frontMisses !== undefined && frontMisses > 0,
      `scx_slo_workload_deadline_misses_total{namespace="shop",pod="front"} ${frontMisses} (a 0.55 ms deadline under emulation)`);
    const configErrors = sample(text, 'scx_slo_config_errors_total', { source: 'annotation' });
    const event = state.events.find((e) => JSON.stringify(e).includes('fast'));
    check('a bad annotation is counted and reported as an Event on its pod', (configErrors ?? 0) >= 1 && !!event,
      `config_errors_total{source="annotation"} ${configErrors}, ` +
      `event: ${event ? JSON.stringify((event as unknown as { message?: string }).message ?? '') : 'none'}`);
    check('the pod is reported overloaded, with its reason, while it misses deadlines',
      overloadedReply?.status === 200 && (overloadedReply.body.reason === 'deadline_miss' || overloadedReply.body.reason === 'low_slack'),
      overloadedReply
        ? `query ${queries}: HTTP ${overloadedReply.status} ${JSON.stringify(overloadedReply.body)}`
        : `not in ${queries} queries during the probe; last HTTP ${lastReply?.status} ${JSON.stringify(lastReply?.body)}`);
    // The load is gone and the pod idle: once the window passes it is not overloaded.
    await sleep(500);
    const idle = await overloadOf('shop', 'front');
    check('the pod is not overloaded once idle', idle.status === 200 && idle.body.overloaded === false && idle.body.reason === null,
      `HTTP ${idle.status} ${JSON.stringify(idle.body)}`);

    // The pod goes away: its SLO leaves the kernel map.
    const wasThere = kernelSloMapOrEmpty().has(batch.podId);
    state.delete('pods', 'shop', 'batch');
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      await sleep(200);
      gone = !kernelSloMapOrEmpty().has(batch.podId);
    }
    check('a deleted pod\'s SLO is removed from the kernel map', wasThere && gone && kernelSloMapOrEmpty().has(front.podId),
      `slo_cfg (bpftool): batch ${wasThere ? (gone ? 'removed' : 'still there after 20 s') : 'was never there'}, ` +
      `front ${describeSlo(kernelSloMapOrEmpty().get(front.podId))}`);
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => (exited ? r(undefined) : agent.on('exit', r)));
    await api.stop();
  }
  const detached = schedExtState().state === 'disabled';
  // Exit 0 from the agent's own SIGTERM handler, or, when its event loop was stalled past
  // the stall watchdog's bound (emulation and load can do that here), death by SIGTERM's
  // default action, which the watchdog restores so SIGTERM always works (stall-watchdog.ts).
  // Any other exit code or signal is a failure.
  const cleanExit = exitCode === 0 || (exitCode === null && exitSignal === 'SIGTERM');
  check('SIGTERM detaches cleanly: exit 0, or SIGTERM\'s default action while the loop was stalled', detached && cleanExit,
    `state ${schedExtState().state}, exit ${exitCode ?? exitSignal}`);
  const logProblems = scenarioLogProblems(kernelLogSince(logMark), 'slo');
  check('kernel log: no sched_ext error or stall, exit report "unregistered from user space"', logProblems.length === 0, logProblems.join(' | ') || 'clean');
}

main()
  .catch((err: unknown) => {
    failed++;
    console.log(`FAIL k8s: harness: ${(err as Error).stack ?? String(err)}`);
  })
  .finally(() => {
    console.log(`k8s-e2e: ${passed} passed, ${failed} failed`);
    process.exit(failed > 0 ? 1 : 0);
  });
