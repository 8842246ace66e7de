// Benchmark: the agent's delegation path on the node's real wake-ups, natively. The
// shadow programs (bpf/shadow.bpf.c) send every real wake-up and re-queue of this host as
// scx_slo's ops.enqueue() would, the agent runs its real delegation loop and the edf
// policy (inline, or in one piscina worker), and the programs drain the decisions as
// ops.dispatch() would, timing each (record submitted -> decision drained) into a
// histogram. Cells: host saturated (stress-ng on every CPU), idle, or saturated with a
// wake-up-heavy task (a pipe ping-pong), times inline or worker, and variants of the
// loop, interleaved and repeated. Reports decisions/s, decision latency p50/p99/max, the
// agent's CPU (all its threads) per 1000 decisions and per round, rounds/s, RSS.
//
//   node dist/bench/delegation.js [--seconds S] [--rounds R] [--cells a,b] [--switch-rate N] [--json FILE]
//
// Cells (parseCell): <idle|saturated|wakeups>-<inline|worker>[-blocking][-window<N>us]
// [-wake<N>][-after<N>us][-prio<N>]; default saturated-inline, saturated-worker,
// idle-inline, idle-worker.
// Last line: `bench-delegation: decision p99 <N> us, <M> us CPU per 1000 decisions`
// (saturated, the agent's default worker count). Needs root (BPF) and stress-ng for the
// saturated cells.
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism, getPriority, setPriority } from 'node:os';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ShadowDelegation, shadowDelta, shadowPercentileUs, type ShadowSnapshot } from '../agent/kernel/shadow-delegation.js';
import { startRunner } from '../agent/policy-runner/runner.js';
import { loadPolicyModule } from '../policy/registry.js';
import { bpfObjectPath } from '../agent/bpf/test/bpf-fixture.js';
import { DEFAULT_CONFIG } from '../agent/kernel/live-scheduler.js';

/** The agent's default (cli/run-options.ts --workers). */
const DEFAULT_WORKERS = 0;

interface Cell {
  name: string;
  /** idle; saturated: stress-ng on every CPU; wakeups: the same plus a pipe ping-pong at --switch-rate wake-ups/s. */
  load: 'idle' | 'saturated' | 'wakeups';
  workers: number;
  /** The loop's idle wait (default async) and batch window (default a tenth of the lag bound). */
  idleWait?: 'async' | 'blocking';
  windowNs?: number;
  /** Batched wake-ups (bpf/slo_ring_wake.bpf.h): records per wake-up and the oldest's bound. */
  wakeBatch?: number;
  wakeAfterNs?: number;
  /** The agent's main thread's nice value during the cell (scx_slo runs the agent ahead of lax work). */
  nice?: number;
}

interface CellResult {
  cell: string;
  seconds: number;
  decisionsPerSec: number;
  timed: number;
  stale: number;
  ringFull: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  cpuUsPer1k: number;
  cpuUsPerRound: number;
  roundsPerSec: number;
  busyRoundsPerSec: number;
  /** Wake-ups the kernel side forced (batched wake-ups only), per second. */
  wakeupsPerSec: number;
  agentCpuShare: number;
  /** Share of the agent's CPU spent in the kernel (system time). */
  systemShare: number;
  rssMb: number;
  faults: number;
}

/**
 * A cell from its name: `<load>-<inline|worker>[-<variant>]...`, load idle, saturated or
 * wakeups; variants: `blocking` (the loop's blocking idle wait), `window<N>us` (batch
 * window), `wake<N>` (batched wake-ups of N records), `after<N>us` (their oldest's bound,
 * default the batch window), `prio<N>` (the agent's main thread at nice -N).
 */
function parseCell(name: string): Cell {
  const [load, runner, ...variants] = name.split('-');
  if (load !== 'idle' && load !== 'saturated' && load !== 'wakeups') {
    throw new RangeError(`cell ${JSON.stringify(name)}: load must be idle, saturated or wakeups`);
  }
  if (runner !== 'inline' && runner !== 'worker') throw new RangeError(`cell ${JSON.stringify(name)}: runner must be inline or worker`);
  const cell: Cell = { name, load, workers: runner === 'inline' ? 0 : 1 };
  for (const v of variants) {
    let m: RegExpMatchArray | null;
    if (v === 'blocking') cell.idleWait = 'blocking';
    else if ((m = /^window(\d+)us$/.exec(v))) cell.windowNs = Number(m[1]) * 1000;
    else if ((m = /^wake(\d+)$/.exec(v))) cell.wakeBatch = Number(m[1]);
    else if ((m = /^after(\d+)us$/.exec(v))) cell.wakeAfterNs = Number(m[1]) * 1000;
    else if ((m = /^prio(\d+)$/.exec(v))) cell.nice = -Number(m[1]);
    else throw new RangeError(`cell ${JSON.stringify(name)}: unknown variant ${JSON.stringify(v)} (blocking, window<N>us, wake<N>, after<N>us, prio<N>)`);
  }
  return cell;
}

const DEFAULT_CELLS = ['saturated-inline', 'saturated-worker', 'idle-inline', 'idle-worker'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The cell's load: stress-ng on every CPU, and for `wakeups` a pipe ping-pong at `switchRate` switches/s. */
function startLoad(load: Cell['load'], switchRate: number): ChildProcess | undefined {
  if (load === 'idle') return undefined;
  const args = ['--cpu', String(availableParallelism()), '--cpu-method', 'int64', '--quiet'];
  if (load === 'wakeups') args.push('--switch', '1', '--switch-method', 'pipe', '--switch-freq', String(switchRate));
  const child = spawn('stress-ng', args, { stdio: 'ignore' });
  child.on('error', (err) => {
    console.error(`bench-delegation: cannot run stress-ng for the ${load} cells: ${err.message}`);
    process.exit(2);
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(2000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Runs one cell: warm-up, then `seconds` measured. */
async function runCell(cell: Cell, seconds: number, switchRate: number, warmupMs = 500): Promise<CellResult> {
  const stress = startLoad(cell.load, switchRate);
  const niceBefore = getPriority();
  if (cell.nice !== undefined) setPriority(cell.nice);
  try {
    if (stress) await sleep(300);
    const origin = process.hrtime.bigint();
    const module = await loadPolicyModule('edf');
    const runner = await startRunner({ spec: 'edf', module, nrCpus: availableParallelism(), options: {}, originNs: origin }, cell.workers);
    const shadow = ShadowDelegation.start({
      objectPath: bpfObjectPath('shadow'),
      defaultBudgetNs: DEFAULT_CONFIG.defaultBudgetNs,
      defaultImportance: DEFAULT_CONFIG.defaultImportance,
      loop: {
        batchMax: DEFAULT_CONFIG.batchMax,
        batchWindowNs: cell.windowNs ?? DEFAULT_CONFIG.lagNs / 10,
        idleWaitMs: DEFAULT_CONFIG.heartbeatMs,
        roundDeadlineMs: DEFAULT_CONFIG.roundDeadlineMs,
        backoffMinMs: 100,
        backoffMaxMs: 5000,
        idleWait: cell.idleWait ?? 'async',
      },
      wakeBatch: cell.wakeBatch ?? 0,
      wakeAfterNs: cell.wakeAfterNs ?? cell.windowNs ?? DEFAULT_CONFIG.lagNs / 10,
    }, runner, origin, (line) => console.error(`  [${cell.name}] ${line}`));
    try {
      await sleep(warmupMs);
      const s0: ShadowSnapshot = shadow.snapshot();
      const l0 = shadow.loopCounters;
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      let rss = process.memoryUsage().rss;
      const until = Date.now() + seconds * 1000;
      while (Date.now() < until) {
        await sleep(200);
        rss = Math.max(rss, process.memoryUsage().rss);
      }
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = process.cpuUsage(cpu0);
      const cpuUs = cpu.user + cpu.system;
      const l1 = shadow.loopCounters;
      const d = shadowDelta(s0, shadow.snapshot());
      const decisions = l1.records - l0.records;
      const rounds = l1.rounds - l0.rounds;
      return {
        cell: cell.name,
        seconds: wallS,
        decisionsPerSec: decisions / wallS,
        timed: d.counters.decided,
        stale: d.counters.stale,
        ringFull: d.counters.ring_full,
        p50Us: shadowPercentileUs(d.histogram, 0.5),
        p99Us: shadowPercentileUs(d.histogram, 0.99),
        maxUs: d.maxNs / 1000,
        cpuUsPer1k: decisions > 0 ? (cpuUs / decisions) * 1000 : NaN,
        cpuUsPerRound: rounds > 0 ? cpuUs / rounds : NaN,
        roundsPerSec: rounds / wallS,
        busyRoundsPerSec: (l1.busyRounds - l0.busyRounds) / wallS,
        wakeupsPerSec: d.counters.wakeups / wallS,
        agentCpuShare: cpuUs / 1e6 / wallS,
        systemShare: cpu.system / cpuUs,
        rssMb: rss / 2 ** 20,
        faults: shadow.policyFaults.errors + shadow.policyFaults.timeouts,
      };
    } finally {
      await shadow.stop();
    }
  } finally {
    if (cell.nice !== undefined) setPriority(niceBefore);
    if (stress) await stopChild(stress);
  }
}

function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' }, rounds: { type: 'string' }, cells: { type: 'string' }, json: { type: 'string' }, 'switch-rate': { type: 'string' },
    },
  });
  const switchRate = Number(values['switch-rate'] ?? 20000);
  if (!(Number.isInteger(switchRate) && switchRate >= 1 && switchRate <= 10_000_000)) {
    throw new RangeError(`--switch-rate: expected 1..10000000, got ${values['switch-rate']}`);
  }
  const seconds = Number(values.seconds ?? 5);
  const rounds = Number(values.rounds ?? 3);
  if (!(seconds > 0 && seconds <= 600)) throw new RangeError(`--seconds: expected 0..600, got ${values.seconds}`);
  if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 50)) throw new RangeError(`--rounds: expected 1..50, got ${values.rounds}`);
  const names = values.cells ? values.cells.split(',') : DEFAULT_CELLS;
  const cells = names.map(parseCell);
  console.log(`bench-delegation: ${availableParallelism()} CPUs, ${seconds} s per cell, ${rounds} rounds, cells interleaved: ${names.join(', ')}`);
  const all: CellResult[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const cell of cells) {
      const res = await runCell(cell, seconds, switchRate);
      all.push(res);
      console.log(`  round ${r + 1} ${res.cell.padEnd(26)} ${res.decisionsPerSec.toFixed(0).padStart(7)} dec/s  ` +
        `p50 ${res.p50Us} us  p99 ${res.p99Us} us  max ${res.maxUs.toFixed(0)} us  ` +
        `${res.cpuUsPer1k.toFixed(0)} us CPU/1000  ${res.cpuUsPerRound.toFixed(1)} us/round  ` +
        `${res.roundsPerSec.toFixed(0)} rounds/s (${res.busyRoundsPerSec.toFixed(0)} busy, ${res.wakeupsPerSec.toFixed(0)} forced wake-ups)  ` +
        `agent ${(100 * res.agentCpuShare).toFixed(1)}% CPU (${(100 * res.systemShare).toFixed(0)}% sys)  ` +
        `RSS ${res.rssMb.toFixed(0)} MB  stale ${res.stale} ring-full ${res.ringFull} faults ${res.faults}`);
    }
  }
  console.log('cell               decisions/s  p50 us  p99 us  max us  CPU us/1000 dec  CPU us/round  rounds/s  agent CPU  RSS MB   ' +
    '(medians over rounds; max: the largest)');
  const summary: Record<string, Record<string, number>> = {};
  for (const name of names) {
    const rs = all.filter((x) => x.cell === name);
    const m = (f: (x: CellResult) => number): number => median(rs.map(f));
    const row = {
      decisionsPerSec: m((x) => x.decisionsPerSec), p50Us: m((x) => x.p50Us), p99Us: m((x) => x.p99Us), maxUs: Math.max(...rs.map((x) => x.maxUs)),
      cpuUsPer1k: m((x) => x.cpuUsPer1k), cpuUsPerRound: m((x) => x.cpuUsPerRound), roundsPerSec: m((x) => x.roundsPerSec),
      agentCpuShare: m((x) => x.agentCpuShare), rssMb: Math.max(...rs.map((x) => x.rssMb)),
    };
    summary[name] = row;
    console.log(`${name.padEnd(26)} ${row.decisionsPerSec.toFixed(0).padStart(11)} ${String(row.p50Us).padStart(7)} ` +
      `${String(row.p99Us).padStart(7)} ${row.maxUs.toFixed(0).padStart(7)} ${row.cpuUsPer1k.toFixed(0).padStart(16)} ` +
      `${row.cpuUsPerRound.toFixed(1).padStart(13)} ${row.roundsPerSec.toFixed(0).padStart(9)} ` +
      `${(100 * row.agentCpuShare).toFixed(1).padStart(8)}% ${row.rssMb.toFixed(0).padStart(6)}`);
  }
  if (values.json) writeFileSync(values.json, JSON.stringify({ cells: all, summary }, null, 2));
  const head = summary[`saturated-${DEFAULT_WORKERS === 0 ? 'inline' : 'worker'}`] ?? summary[names[0]!]!;
  console.log(`bench-delegation: decision p99 ${head['p99Us']} us, ${Math.round(head['cpuUsPer1k']!)} us CPU per 1000 decisions`);
}

await main();
