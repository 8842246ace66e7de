// The stress pass of the sched_ext guest suite, run on every guest kernel by
// guest-suite.sh: with the scheduler attached, a burst of wake-ups larger than one
// dispatch's walk of the pending queue (the walk is cut off and counted, and every
// woken task still runs), then `stress-ng --aggressive` CPU and fork stressors for 15 s
// (as the sched_ext CI does); afterwards sched_ext must still be enabled with our
// scheduler, the agent must detach cleanly on SIGINT, and the kernel log of the whole
// scenario must hold no sched_ext error or stall and the exit report "unregistered from
// user space". Also prints the verifier's processed-instruction count (verified_insns)
// of each of the scheduler's programs on this kernel (agent/bpf/prog-info.ts). Prints one line per check and
// "stress: N passed, N failed".
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { controlRequest } from '../../serving/control-socket.js';
import { schedExtState } from '../../kernel/kernel-support.js';
import { BPF_PROG_TYPE, loadedPrograms } from '../../bpf/prog-info.js';
import { kernelLogMark, kernelLogSince, scenarioLogProblems } from './kernel-log.js';

const REPO = process.env['SCX_SLO_REPO'] ?? process.cwd();
const CLI = join(REPO, 'dist', 'cli', 'main.js');
const CG = '/sys/fs/cgroup';
const SOCK = '/run/scx-slo-stress/agent.sock';
const WORK = '/tmp/scx-slo-stress';
const LAG_MS = process.env['SCX_SLO_GUEST_LAG_MS'] ?? '50';
const BURST = 200; // tasks woken at once: several times the per-dispatch walk (SCAN_BUDGET, 64)

let passed = 0;
let failed = 0;
function check(name: string, ok: boolean, detail: string): void {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} stress: ${name}: ${detail}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const exitOf = (child: ChildProcess): Promise<number | null> =>
  new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));

async function waitFor(ms: number, pred: () => boolean, every = 100): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (pred()) return true;
    await sleep(every);
  }
  return pred();
}

function spawnIn(cg: string, cmd: string): ChildProcess {
  return spawn('sh', ['-c', `echo $$ > ${join(CG, cg, 'cgroup.procs')} && exec ${cmd}`], { stdio: 'ignore' });
}

async function counters(): Promise<Record<string, number>> {
  const reply = await controlRequest(SOCK, { cmd: 'status' }, 30_000);
  if (!reply.ok) throw new Error(`status: ${reply.error}`);
  return (reply.result as { counters: Record<string, number> }).counters;
}

/** verified_insns of each of our scheduler's programs (struct_ops, named slo_*). */
function verifiedInsns(): Array<{ name: string; insns: number }> {
  return loadedPrograms()
    .filter((p) => p.type === BPF_PROG_TYPE.STRUCT_OPS && p.name.startsWith('slo_'))
    .map((p) => ({ name: p.name, insns: p.verifiedInsns }));
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  writeFileSync(join(CG, 'cgroup.subtree_control'), '+cpu');
  mkdirSync(join(CG, 'stress-batch'), { recursive: true });
  const config = join(WORK, 'slos.yaml');
  writeFileSync(config, 'cgroups:\n  stress-batch:\n    budgetMs: 500\n    importance: 10\n');

  const logMark = kernelLogMark();
  const agent = spawn('node', [CLI, 'run', '--config', config, '--lag-ms', LAG_MS, '--stall-ms', '1000', '--heartbeat-ms', '50',
    '--workers', '0', '--metrics-port', '0', '--control-socket', SOCK], { stdio: 'inherit' });
  let agentExit: number | null | undefined;
  agent.on('exit', (code) => (agentExit = code));
  await waitFor(180_000, () => agentExit !== undefined || schedExtState().state === 'enabled', 200);
  const attached = schedExtState();
  check('attach', attached.state === 'enabled' && attached.ops === 'slo', `state ${attached.state}, ops ${attached.ops}`);
  if (attached.state !== 'enabled') return;

  const insns = verifiedInsns();
  for (const p of insns) console.log(`verifier: kernel ${release()} program ${p.name} verified_insns ${p.insns}`);
  check('the verifier\'s instruction counts are reported', insns.length > 0 && insns.every((p) => p.insns > 0),
    `${insns.length} programs, ${insns.reduce((n, p) => n + p.insns, 0)} instructions in all`);
  await waitFor(60_000, () => {
    try {
      return statSync(SOCK).isSocket();
    } catch {
      return false;
    }
  }, 200);

  // A burst of wake-ups while two hogs keep both CPUs busy: BURST readers block opening
  // a FIFO in the lax cgroup and all wake when a writer opens it, and again when it
  // closes it 10 s later (end of file). They are delegated, so the pending queue holds
  // more than one walk looks at.
  const hogs = spawnIn('stress-batch', 'stress-ng --cpu 2 --timeout 120 --quiet');
  await sleep(1000);
  const fifo = join(WORK, 'burst.fifo');
  const c0 = await counters();
  const burst = spawnIn('stress-batch',
    `sh -c 'rm -f ${fifo}; mkfifo ${fifo}; i=0; while [ $i -lt ${BURST} ]; do cat ${fifo} >/dev/null & i=$((i+1)); done; ` +
    `sleep 3; { sleep 10; } > ${fifo}; wait'`);
  const burstT0 = Date.now();
  const burstDone = await Promise.race([exitOf(burst).then(() => true), sleep(120_000).then(() => false)]);
  const c1 = await counters();
  const cutoffs = (c1['scan_cutoffs'] ?? 0) - (c0['scan_cutoffs'] ?? 0);
  check(`a burst of ${BURST} wake-ups: every woken task runs`, burstDone,
    burstDone ? `all done ${((Date.now() - burstT0) / 1000).toFixed(1)} s after the start` : 'still waiting after 120 s');
  check('the burst overflows one dispatch\'s walk of the pending queue, which is cut off and counted', cutoffs > 0,
    `scan_cutoffs +${cutoffs}, to_user +${(c1['to_user'] ?? 0) - (c0['to_user'] ?? 0)}, ` +
    `fallback_lag +${(c1['fallback_lag'] ?? 0) - (c0['fallback_lag'] ?? 0)}`);
  if (!burstDone) burst.kill('SIGKILL');
  hogs.kill('SIGKILL');

  // The sched_ext CI's stress pass.
  const t0 = Date.now();
  const stress = spawn('stress-ng', ['--aggressive', '--cpu', '4', '--fork', '4', '--timeout', '15s', '--quiet'], { stdio: 'inherit' });
  const stressCode = await Promise.race([exitOf(stress), sleep(120_000).then(() => -1)]);
  if (stressCode === -1) stress.kill('SIGKILL');
  const after = schedExtState();
  check('stress-ng --aggressive (cpu, fork) for 15 s completes', stressCode === 0, `exit ${stressCode} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  check('after the stress sched_ext is still enabled with our scheduler', after.state === 'enabled' && after.ops === 'slo' && agentExit === undefined,
    `state ${after.state}, ops ${after.ops}, agent ${agentExit === undefined ? 'running' : `exited ${agentExit}`}`);

  agent.kill('SIGINT');
  const detached = await waitFor(30_000, () => agentExit !== undefined && schedExtState().state === 'disabled');
  check('SIGINT: the agent detaches and exits', detached && agentExit === 0, `agent exit ${agentExit}, state ${schedExtState().state}`);
  const logProblems = scenarioLogProblems(kernelLogSince(logMark), 'slo');
  check('kernel log: no sched_ext error or stall, exit report "unregistered from user space"', logProblems.length === 0, logProblems.join(' | ') || 'clean');
}

main()
  .catch((err: unknown) => {
    failed++;
    console.log(`FAIL stress: harness: ${(err as Error).stack ?? String(err)}`);
  })
  .finally(() => {
    console.log(`stress: ${passed} passed, ${failed} failed`);
    process.exit(failed > 0 ? 1 : 0);
  });
