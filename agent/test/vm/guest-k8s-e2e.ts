// End to end in the sched_ext guest, Kubernetes style: pods annotated with
// scx-slo/budget-ms and scx-slo/importance are served by a local API server that speaks
// the list/watch protocol (agent/k8s/test/fake-apiserver.ts: no cluster can run here),
// their cgroups are real cgroup v2 directories laid out like the kubelet's systemd
// driver, and `scx-slo run --kubernetes` must: resolve each pod to its cgroup id, put
// the SLO in the kernel, report a bad annotation (config error metric), and show the
// pods' runs and deadline misses in /metrics with namespace/pod labels.
// Prints one line per check and "k8s-e2e: N passed, N failed".
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlRequest } from '../../serving/control-socket.js';
import { schedExtState } from '../../kernel/kernel-support.js';
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
  state.create('pods', makePod({ namespace: 'shop', name: 'front', uid: front.uid, nodeName: NODE, annotations: { 'scx-slo/budget-ms': '5ms', 'scx-slo/importance': '90' } }));
  state.create('pods', makePod({ namespace: 'shop', name: 'batch', uid: batch.uid, nodeName: NODE, annotations: { 'scx-slo/budget-ms': '500', 'scx-slo/importance': '10' } }));
  state.create('pods', makePod({ namespace: 'shop', name: 'typo', uid: '5b9c2f1e-0a4d-4c1b-9a8e-000000000003', nodeName: NODE, annotations: { 'scx-slo/budget-ms': 'fast' } }));
  state.create('pods', makePod({ namespace: 'other', name: 'elsewhere', uid: '5b9c2f1e-0a4d-4c1b-9a8e-000000000004', nodeName: 'another-node', annotations: { 'scx-slo/importance': '99' } }));
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
  const agent = spawn('node', [CLI, 'run', '--kubernetes', '--node-name', NODE, '--lag-ms', process.env['SCX_SLO_GUEST_LAG_MS'] ?? '50',
    '--stall-ms', '1000', '--heartbeat-ms', '50', '--metrics-port', String(METRICS_PORT), '--metrics-host', '127.0.0.1',
    '--control-socket', SOCK], { stdio: 'inherit', env: { ...process.env, KUBECONFIG: kubeconfig } });
  let exited = false;
  agent.on('exit', () => (exited = true));
  try {
    for (let i = 0; i < 900 && !exited && schedExtState().state !== 'enabled'; i++) await sleep(200);
    check('agent attached with --kubernetes', schedExtState().state === 'enabled', `state ${schedExtState().state}`);
    let slos: Record<string, { budgetNs: number; importance: number }> = {};
    for (let i = 0; i < 300; i++) {
      try {
        const reply = await controlRequest(SOCK, { cmd: 'status' }, 30_000);
        if (reply.ok) slos = (reply.result as { slos: typeof slos }).slos;
      } catch {
        // the socket is not up yet
      }
      if (slos[String(front.podId)] && slos[String(batch.podId)]) break;
      await sleep(200);
    }
    check('annotated pods reach the kernel SLO map by their cgroup ids',
      slos[String(front.podId)]?.budgetNs === 5_000_000 && slos[String(front.podId)]?.importance === 90 && slos[String(batch.podId)]?.importance === 10,
      `front ${front.podId} -> ${JSON.stringify(slos[String(front.podId)])}, batch ${batch.podId} -> ${JSON.stringify(slos[String(batch.podId)])}`);
    check('only this node\'s pods, and not the bad one', Object.keys(slos).length === 2, `${Object.keys(slos).length} entries`);

    // Work in the pods' container cgroups: the SLO of the pod cgroup covers them.
    const hogs = spawnIn(batch.container, 'stress-ng --cpu 4 --timeout 60 --quiet');
    const probe = spawnIn(front.container, 'cyclictest -p 0 --policy=other -i 2000 -q -D 8');
    await new Promise((r) => probe.on('exit', r));
    hogs.kill('SIGKILL');

    const text = await metricsText();
    const frontRuns = sample(text, 'scx_slo_workload_runs_total', { namespace: 'shop', pod: 'front' });
    const frontMisses = sample(text, 'scx_slo_workload_deadline_misses_total', { namespace: 'shop', pod: 'front' });
    const batchRuns = sample(text, 'scx_slo_workload_runs_total', { namespace: 'shop', pod: 'batch' });
    check('the pods\' runs show in /metrics with namespace and pod', (frontRuns ?? 0) > 100 && (batchRuns ?? 0) > 0, `front runs ${frontRuns}, batch runs ${batchRuns}`);
    check('the pod\'s deadline misses show in /metrics', frontMisses !== undefined && frontMisses > 0,
      `scx_slo_workload_deadline_misses_total{namespace="shop",pod="front"} ${frontMisses} (a 0.55 ms deadline under emulation)`);
    const configErrors = sample(text, 'scx_slo_config_errors_total', { source: 'annotation' });
    const event = state.events.find((e) => JSON.stringify(e).includes('fast'));
    check('a bad annotation is counted and reported as an Event on its pod', (configErrors ?? 0) >= 1 && !!event,
      `config_errors_total{source="annotation"} ${configErrors}, event: ${event ? JSON.stringify((event as unknown as { message?: string }).message ?? '') : 'none'}`);
    const overload = await fetch(`http://127.0.0.1:${METRICS_PORT}/overload/shop/front`);
    const body = (await overload.json()) as { overloaded?: boolean };
    check('the pod\'s overload state is served', overload.status === 200 && typeof body.overloaded === 'boolean', `HTTP ${overload.status} ${JSON.stringify(body)}`);

    // The pod goes away: its SLO leaves the kernel map.
    state.delete('pods', 'shop', 'batch');
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      await sleep(200);
      const reply = await controlRequest(SOCK, { cmd: 'status' }, 30_000);
      gone = reply.ok && !(reply.result as { slos: typeof slos }).slos[String(batch.podId)];
    }
    const wasThere = !!slos[String(batch.podId)];
    check('a deleted pod\'s SLO is removed from the kernel map', wasThere && gone, wasThere ? (gone ? 'removed' : 'still there') : 'was never there');
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => (exited ? r(undefined) : agent.on('exit', r)));
    await api.stop();
  }
  const detached = schedExtState().state === 'disabled';
  check('SIGTERM detaches cleanly', detached, `state ${schedExtState().state}`);
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
