// The live scheduler's functional checks, run INSIDE the sched_ext guest by
// guest-suite.sh (make vm-test): attach, progress under CPU oversubscription, userspace
// decisions applied, SIGSTOP/SIGCONT fallback and recovery, a runtime policy swap, a
// high-importance cgroup's wake-up latency against a batch cgroup's, SIGKILL detaching
// within a second, and the kernel log of the whole scenario (no sched_ext error or
// stall, the exit report saying "unregistered from user space"). Prints one line per
// check and a closing
// "N passed, N failed" line; exits non-zero when any check failed.
//
// Times in the guest are emulated (QEMU TCG) and JavaScript runs ~100x slower than on
// hardware, so the agent runs with a generous lag bound and checks compare A with B
// inside this one run instead of asserting absolute figures.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlRequest } from '../../serving/control-socket.js';
import { schedExtState } from '../../kernel/kernel-support.js';
import { kernelLogMark, kernelLogSince, scenarioLogProblems } from './kernel-log.js';

const REPO = process.env['SCX_SLO_REPO'] ?? process.cwd();
const CLI = join(REPO, 'dist', 'cli', 'main.js');
const CG = '/sys/fs/cgroup';
const SOCK = '/run/scx-slo-test/agent.sock';
const WORK = '/tmp/scx-slo-guest';
const LAG_MS = process.env['SCX_SLO_GUEST_LAG_MS'] ?? '50';

let passed = 0;
let failed = 0;
const notes: string[] = [];

function check(name: string, ok: boolean, detail: string): void {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, ms: number, pred: () => boolean, every = 100): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (pred()) return Date.now() - t0;
    await sleep(every);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

function makeCgroup(name: string): string {
  const dir = join(CG, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Starts `cmd` inside cgroup `cg`: the shell joins it, then execs. */
function spawnIn(cg: string, cmd: string, out?: string): ChildProcess {
  const script = `echo $$ > ${join(CG, cg, 'cgroup.procs')} && exec ${cmd}${out ? ` > ${out} 2>&1` : ''}`;
  return spawn('sh', ['-c', script], { stdio: out ? 'ignore' : 'inherit' });
}

interface Status {
  policy: string;
  counters: Record<string, number>;
  cgroups: Record<string, { runs: number; misses: number; waitNsSum: number }>;
  slos: Record<string, unknown>;
}

async function status(): Promise<Status> {
  const reply = await controlRequest(SOCK, { cmd: 'status' }, 30_000);
  if (!reply.ok) throw new Error(`status: ${reply.error}`);
  return reply.result as Status;
}

/** CPU time (utime+stime, clock ticks) of every process in cgroup `cg`. */
function cgroupCpuTicks(cg: string): number {
  const pids = readFileSync(join(CG, cg, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

/** cyclictest's summary: average and max latency in us, loop count. */
function cyclictestSummary(file: string): { avg: number; max: number; count: number } | undefined {
  const text = readFileSync(file, 'utf8');
  const m = /C:\s*(\d+).*Avg:\s*(\d+).*Max:\s*(\d+)/.exec(text.split('\n').filter((l) => l.includes('Avg:')).pop() ?? '');
  return m ? { count: Number(m[1]), avg: Number(m[2]), max: Number(m[3]) } : undefined;
}

function cyclictestPolicyIsOther(file: string): boolean {
  return /P:\s*0\b/.test(readFileSync(file, 'utf8'));
}

const sum = (c: Record<string, number>, ...keys: string[]): number => keys.reduce((n, k) => n + (c[k] ?? 0), 0);

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  writeFileSync(join(CG, 'cgroup.subtree_control'), '+cpu');
  makeCgroup('ls');
  makeCgroup('batch');
  const config = join(WORK, 'slos.yaml');
  writeFileSync(config, 'cgroups:\n  ls:\n    budgetMs: 5\n    importance: 90\n  batch:\n    budgetMs: 500\n    importance: 10\n');

  const logMark = kernelLogMark();
  const t0 = Date.now();
  const agent = spawn('node', [CLI, 'run', '--config', config, '--lag-ms', LAG_MS, '--stall-ms', '1000', '--heartbeat-ms', '50',
    '--workers', '1', '--metrics-port', '0', '--control-socket', SOCK], { stdio: 'inherit' });
  let agentExit: number | null | undefined;
  agent.on('exit', (code) => (agentExit = code));
  await waitFor('the scheduler to attach', 180_000, () => agentExit !== undefined || schedExtState().state === 'enabled', 200);
  const attached = schedExtState();
  check('attach', attached.state === 'enabled' && attached.ops === 'slo', `state ${attached.state}, ops ${attached.ops} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (attached.state !== 'enabled') return;
  await waitFor('the control socket', 60_000, () => {
    try {
      return readFileSync('/proc/net/unix', 'utf8').includes(SOCK);
    } catch {
      return false;
    }
  }, 200);
  await waitFor('the SLO config to apply', 60_000, () => true);
  let s0 = await status();
  for (let i = 0; i < 50 && Object.keys(s0.slos).length < 2; i++) {
    await sleep(200);
    s0 = await status();
  }
  check('config file SLOs reach the kernel map', Object.keys(s0.slos).length === 2, `${Object.keys(s0.slos).length} SLO entries: ${JSON.stringify(s0.slos)}`);

  // Oversubscribe: 4 CPU hogs on 2 vCPUs in "batch", a 200 Hz SCHED_OTHER probe in each cgroup.
  const stress = spawnIn('batch', 'stress-ng --cpu 4 --timeout 600 --quiet');
  const lsOut = join(WORK, 'ls.txt');
  const batchOut = join(WORK, 'batch.txt');
  const lsProbe = spawnIn('ls', 'cyclictest -p 0 --policy=other -i 5000 -q -D 12', lsOut);
  const batchProbe = spawnIn('batch', 'cyclictest -p 0 --policy=other -i 5000 -q -D 12', batchOut);
  await sleep(3000);

  const a = await status();
  await sleep(3000);
  const b = await status();
  const userGrew = sum(b.counters, 'user_dispatched') - sum(a.counters, 'user_dispatched');
  check('userspace decisions are applied', userGrew > 0, `user_dispatched +${userGrew} in 3 s (direct +${sum(b.counters, 'direct') - sum(a.counters, 'direct')}, fallback lag +${sum(b.counters, 'fallback_lag') - sum(a.counters, 'fallback_lag')})`);

  await Promise.all([new Promise((r) => lsProbe.on('exit', r)), new Promise((r) => batchProbe.on('exit', r))]);
  const ls = cyclictestSummary(lsOut);
  const batch = cyclictestSummary(batchOut);
  check('the probes ran as SCHED_OTHER', cyclictestPolicyIsOther(lsOut) && cyclictestPolicyIsOther(batchOut), 'cyclictest P: 0');
  check('workloads make progress under 2x oversubscription', !!ls && !!batch && ls.count > 100 && batch.count > 10 && cgroupCpuTicks('batch') > 0,
    `ls probe ${ls?.count} loops, batch probe ${batch?.count} loops, batch cpu ticks ${cgroupCpuTicks('batch')}`);
  check('high-importance cgroup wakes faster than the batch cgroup', !!ls && !!batch && ls.avg < batch.avg,
    `cyclictest avg/max us: ls ${ls?.avg}/${ls?.max}, batch ${batch?.avg}/${batch?.max}`);
  const c = await status();
  const mean = (id: string): number => {
    const st = c.cgroups[id];
    return st && st.runs > 0 ? st.waitNsSum / st.runs : Number.NaN;
  };
  const [lsId, batchId] = Object.keys(c.slos).sort((x, y) => Number(x) - Number(y));
  notes.push(`kernel mean wait (us): ${Object.entries(c.cgroups).map(([id, st]) => `${id}: ${(st.waitNsSum / Math.max(1, st.runs) / 1e3).toFixed(0)} (${st.runs} runs, ${st.misses} misses)`).join(', ')}`);
  void lsId;
  void batchId;
  void mean;

  // SIGSTOP: the kernel side must keep every workload running on its own.
  const before = await status();
  const cpuBefore = cgroupCpuTicks('batch');
  const lsCpuProbe = spawnIn('ls', 'cyclictest -p 0 --policy=other -i 5000 -q -D 6', join(WORK, 'ls-stopped.txt'));
  agent.kill('SIGSTOP');
  let stayedEnabled = true;
  for (let i = 0; i < 6; i++) {
    await sleep(1000);
    if (schedExtState().state !== 'enabled') stayedEnabled = false;
  }
  const cpuDuring = cgroupCpuTicks('batch') - cpuBefore;
  await new Promise((r) => lsCpuProbe.on('exit', r));
  const lsStopped = cyclictestSummary(join(WORK, 'ls-stopped.txt'));
  check('SIGSTOP: scheduler stays attached', stayedEnabled, `state enabled for 6 s with the agent stopped`);
  check('SIGSTOP: workloads keep running', cpuDuring > 0 && !!lsStopped && lsStopped.count > 100, `batch +${cpuDuring} cpu ticks, ls probe ${lsStopped?.count} loops (avg ${lsStopped?.avg} us)`);
  agent.kill('SIGCONT');
  const after = await status();
  const fallbackGrew = sum(after.counters, 'fallback_lag', 'fallback_stalled', 'fallback_idle') - sum(before.counters, 'fallback_lag', 'fallback_stalled', 'fallback_idle');
  check('SIGSTOP: the in-kernel fallback took over', fallbackGrew > 0, `fallback lag+stalled+idle +${fallbackGrew}`);
  await sleep(3000);
  const resumed = await status();
  const userAfter = sum(resumed.counters, 'user_dispatched') - sum(after.counters, 'user_dispatched');
  check('SIGCONT: delegation resumes', userAfter > 0, `user_dispatched +${userAfter} in 3 s after SIGCONT`);
  // Tasks delegated just before the stop ran by the fallback meanwhile: the decisions the
  // agent writes for them on waking must be dropped as stale.
  const staleGrew = sum(resumed.counters, 'stale_decisions') - sum(before.counters, 'stale_decisions');
  check('SIGCONT: decisions for tasks the kernel already ran are dropped as stale', staleGrew > 0, `stale_decisions +${staleGrew}`);

  // Runtime policy swap: no detach, no reload.
  const swap = spawn('node', [CLI, 'policy', 'set', 'fair', '--control-socket', SOCK], { stdio: 'inherit' });
  const swapCode = await new Promise<number | null>((r) => swap.on('exit', r));
  const swapped = await status();
  await sleep(2000);
  const swapped2 = await status();
  check('policy swap at run time', swapCode === 0 && swapped.policy === 'fair' && schedExtState().state === 'enabled' &&
    sum(swapped2.counters, 'user_dispatched') > sum(swapped.counters, 'user_dispatched'),
    `exit ${swapCode}, policy ${swapped.policy}, state ${schedExtState().state}`);
  notes.push(`counters: ${JSON.stringify(swapped2.counters)}`);

  // SIGKILL: the link dies with the process and the kernel takes every task back.
  const killedAt = Date.now();
  agent.kill('SIGKILL');
  let detachMs = -1;
  try {
    detachMs = await waitFor('detach after SIGKILL', 10_000, () => schedExtState().state === 'disabled', 20);
  } catch {
    detachMs = Date.now() - killedAt;
  }
  check('SIGKILL: the kernel returns to its default scheduler within a second', schedExtState().state === 'disabled' && detachMs <= 1000, `disabled after ${detachMs} ms`);
  const cpuAfterKill = cgroupCpuTicks('batch');
  await sleep(1000);
  check('after SIGKILL: workloads keep running under the default scheduler', cgroupCpuTicks('batch') > cpuAfterKill, 'batch cpu ticks grow');
  stress.kill('SIGKILL');
  const logProblems = scenarioLogProblems(kernelLogSince(logMark), 'slo');
  check('kernel log: no sched_ext error or stall, exit report "unregistered from user space"', logProblems.length === 0, logProblems.join(' | ') || 'clean');
}

main()
  .catch((err: unknown) => {
    failed++;
    console.log(`FAIL harness: ${(err as Error).stack ?? String(err)}`);
  })
  .finally(() => {
    for (const n of notes) console.log(`note: ${n}`);
    console.log(`scheduler: ${passed} passed, ${failed} failed`);
    process.exit(failed > 0 ? 1 : 0);
  });
