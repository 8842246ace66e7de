// The head-to-head's measuring half. Runs where sched_ext is (the QEMU guest that
// bench/demo.sh boots, or a host with sched_ext), as root, and writes raw.json (see
// raw-results.ts) into --out cell by cell; bench/demo/report.ts turns it into the table,
// the JSON summary, the chart and the simulator comparison.
//
// The scenarios (scenarios.ts), each a latency-sensitive workload (role ls) next to
// CPU-bound batch (stress-ng, 2 hogs per CPU) in their own cgroups with SLOs in the
// agent's config file: `service` (the default: a Kubernetes-shaped node, kubelet's
// cpu.weights under kubepods.slice, the open-loop bench/service/slo-service) and `probe`
// (cyclictest waking every 5 ms, equal weights). The same cell (ls + batch for --cell-s
// seconds) runs under each scheduler, interleaved: rounds x scenarios x schedulers:
//   default       no sched_ext: the kernel's own scheduler with the scenario's weights
//   default-tuned the same with the ls cgroup's cpu.weight at 10000 (hand tuning)
//   slo-edf       scx-slo with the edf policy in the agent, the settings of agent-settings.ts
//   slo-edf-inline  the same with the policy on the agent's main thread (--workers 0)
//   slo-edf-alt   slo-edf with another build of the BPF scheduler (--alt-bpf-object) and/or
//                 extra agent arguments (--alt-agent-args), to compare two versions in one run
//   slo-edf-alt2  a second such variant (--alt2-bpf-object, --alt2-agent-args)
//   slo-fallback  scx-slo with the agent SIGSTOPped: the in-kernel EDF fallback alone
//   slo-fair      scx-slo with the fair policy in the agent
//   scx_simple, scx_flatcg  the kernel's example schedulers (--peer-dir), if given
// One agent is attached per round (edf, then SIGSTOP, SIGCONT, `policy set fair`; it is
// restarted when the next cell wants other --workers, BPF object or extra arguments) and
// detached for the default and peer cells. In the scx-slo cells the agent's status is read
// before and after (counters, delegation loop), and its threads' CPU time over the probe
// (thread-cpu.ts). Also, once per scenario: the ls workload alone (the machine's floor),
// and after the rounds a traced cell (trace-cmd) per row of --trace-schedulers (the
// wake-to-run per row; the probe's default-scheduler trace is the simulator's input).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { controlRequest } from '../../agent/serving/control-socket.js';
import { schedExtState } from '../../agent/kernel/kernel-support.js';
import { agentRunArgs, RECOMMENDED_AGENT } from './agent-settings.js';
import { parseCyclictestHistogram, parseCyclictestSummary, parseStressNgMetrics } from './probe-output.js';
import { isSchedulerName, rowVariant, SCHEDULERS, splitAgentArgs, variantText, type RawCell, type RawProbe, type RawRun, type RawTrace,
  type SchedulerName } from './raw-results.js';
import { agentConfigYaml, isScenarioName, scenarioLayout, SCENARIO_NAMES, SERVICE_WORKLOAD, type ScenarioLayout, type ScenarioName } from './scenarios.js';
import { parseServiceOutput } from './service-output.js';
import { percentile } from './stats.js';
import { dispatchShares } from './summarize.js';
import { readThreadCpu, threadCpuDelta, topThreadShares, type ThreadSample } from './thread-cpu.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = resolve(HERE, '..', '..');
const ROOT = resolve(DIST, '..');
const CLI = join(DIST, 'cli', 'main.js');
const CG = '/sys/fs/cgroup';
const WORK = '/tmp/scx-slo-demo';
const SOCK = '/run/scx-slo-demo/agent.sock';

const USAGE = `usage: node dist/bench/demo/guest-run.js --out DIR [options]
  --rounds N          repetitions, interleaved round-robin over the schedulers (default 3)
  --scenarios LIST    service (default), probe, or both (service,probe)
  --cell-s S          seconds of the ls workload per cell (default 12; --probe-s is the old name)
  --schedulers LIST   default,default-tuned,slo-edf,slo-fallback (default); also slo-fair,
                      slo-edf-inline, slo-edf-alt, slo-edf-alt2, and scx_simple,scx_flatcg with --peer-dir
  --service-bin PATH  the service scenario's program (default: bench/build/slo-service)
  --peer-dir DIR      directory with the kernel's example schedulers (scx_simple, scx_flatcg)
  --bpf-object PATH   scx_slo.bpf.o (default: bpf/build/scx_slo.bpf.o next to this dist/)
  --alt-bpf-object PATH  the scx_slo.bpf.o of the slo-edf-alt cells (relative: to --out)
  --alt-agent-args ARGS  extra 'scx-slo run' arguments of the slo-edf-alt cells, one string split
                      on whitespace, after the agent settings' (give it as --alt-agent-args='--x 1')
  --alt2-bpf-object PATH, --alt2-agent-args ARGS  the same for the slo-edf-alt2 cells
  --lag-ms MS         the agent's lag bound (default: agent-settings.ts)
  --idle-s S          seconds of the ls workload alone under the default scheduler (default 3; 0 = skip)
  --trace-s S         seconds of trace-cmd recording per traced cell (default 4; 0 = skip)
  --trace-schedulers LIST  the rows traced once after the rounds, per scenario (default: every
                      row; the probe's default-scheduler trace is the simulator's input)
  --stressors N       stress-ng --cpu N (default 2 x CPUs)`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const stamp = (): string => new Date().toISOString();

function parseOptions() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      scenarios: { type: 'string', default: 'service' },
      'cell-s': { type: 'string' },
      'probe-s': { type: 'string' },
      schedulers: { type: 'string', default: 'default,default-tuned,slo-edf,slo-fallback' },
      'service-bin': { type: 'string' },
      'peer-dir': { type: 'string' },
      'bpf-object': { type: 'string' },
      'alt-bpf-object': { type: 'string' },
      'alt-agent-args': { type: 'string' },
      'alt2-bpf-object': { type: 'string' },
      'alt2-agent-args': { type: 'string' },
      'lag-ms': { type: 'string', default: String(RECOMMENDED_AGENT.lagMs) },
      'idle-s': { type: 'string', default: '3' },
      'trace-s': { type: 'string', default: '4' },
      'trace-schedulers': { type: 'string' },
      stressors: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.out) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const int = (name: string, v: string, lo: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < lo) {
      console.error(`guest-run: --${name} wants an integer >= ${lo}, got ${v}`);
      process.exit(2);
    }
    return n;
  };
  const schedulers = values.schedulers.split(',').map((s) => s.trim()).filter(Boolean);
  const scenarios = values.scenarios.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of scenarios) {
    if (!isScenarioName(s)) {
      console.error(`guest-run: unknown scenario ${s} (known: ${SCENARIO_NAMES.join(', ')})`);
      process.exit(2);
    }
  }
  const traceSchedulers = (values['trace-schedulers'] ?? values.schedulers).split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of [...schedulers, ...traceSchedulers]) {
    if (!isSchedulerName(s)) {
      console.error(`guest-run: unknown scheduler ${s} (known: ${Object.keys(SCHEDULERS).join(', ')})`);
      process.exit(2);
    }
  }
  return {
    out: resolve(values.out),
    rounds: int('rounds', values.rounds, 1),
    probeS: int('cell-s', values['cell-s'] ?? values['probe-s'] ?? '12', 1),
    scenarios: scenarios as ScenarioName[],
    serviceBin: resolve(values['service-bin'] ?? join(ROOT, 'bench', 'build', 'slo-service')),
    schedulers: schedulers as SchedulerName[],
    traceSchedulers: traceSchedulers as SchedulerName[],
    peerDir: values['peer-dir'],
    bpfObject: resolve(values['bpf-object'] ?? join(ROOT, 'bpf', 'build', 'scx_slo.bpf.o')),
    // A relative path is relative to --out (demo.sh copies the object there).
    altBpfObject: values['alt-bpf-object'] ? resolve(values.out, values['alt-bpf-object']) : undefined,
    alt2BpfObject: values['alt2-bpf-object'] ? resolve(values.out, values['alt2-bpf-object']) : undefined,
    altAgentArgs: splitAgentArgs(values['alt-agent-args']),
    alt2AgentArgs: splitAgentArgs(values['alt2-agent-args']),
    lagMs: int('lag-ms', values['lag-ms'], 1),
    idleS: int('idle-s', values['idle-s'], 0),
    traceS: int('trace-s', values['trace-s'], 0),
    stressors: values.stressors ? int('stressors', values.stressors, 1) : 2 * cpus().length,
  };
}

const opts = parseOptions();
const STALL_MS = RECOMMENDED_AGENT.stallMs;
const HEARTBEAT_MS = RECOMMENDED_AGENT.heartbeatMs;
/** The agent's policy workers in the scx-slo cells (slo-edf-inline: always 0, inline). */
const WORKERS = RECOMMENDED_AGENT.workers;
const LAYOUTS = opts.scenarios.map(scenarioLayout);
const PROBE_LAYOUT = scenarioLayout('probe');
const SLOS = { ls: PROBE_LAYOUT.ls.slo, batch: PROBE_LAYOUT.batch.slo };
const HIST_US = 200_000;
const INTERVAL_US = 5000;
const STRESS_METHOD = 'int64';

const run: RawRun = {
  format: 'scx-slo-demo-raw',
  version: 2,
  startedAt: stamp(),
  finishedAt: null,
  kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
  cpus: cpus().length,
  config: {
    rounds: opts.rounds,
    probeSeconds: opts.probeS,
    schedulers: opts.schedulers,
    lagMs: opts.lagMs,
    stallMs: STALL_MS,
    heartbeatMs: HEARTBEAT_MS,
    workers: WORKERS,
    stressors: opts.stressors,
    stressMethod: STRESS_METHOD,
    probeIntervalUs: INTERVAL_US,
    histogramRangeUs: HIST_US,
    slos: SLOS,
    bpfObject: opts.bpfObject,
    scenarios: LAYOUTS,
    agent: { ...RECOMMENDED_AGENT, lagMs: opts.lagMs },
    ...(opts.altBpfObject ? { altBpfObject: opts.altBpfObject } : {}),
    ...(opts.altAgentArgs.length > 0 ? { altAgentArgs: opts.altAgentArgs } : {}),
    ...(opts.alt2BpfObject ? { alt2BpfObject: opts.alt2BpfObject } : {}),
    ...(opts.alt2AgentArgs.length > 0 ? { alt2AgentArgs: opts.alt2AgentArgs } : {}),
  },
  idle: null,
  cells: [],
  trace: null,
  traceSlo: null,
  log: [],
};

function say(line: string): void {
  console.log(`demo: ${line}`);
  run.log.push(`${stamp()} ${line}`);
}

function save(): void {
  const file = join(opts.out, 'raw.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(run, null, 1)}\n`);
  renameSync(`${file}.tmp`, file);
}

// ---- processes ---------------------------------------------------------------------

interface Proc {
  child: ChildProcess;
  exit: Promise<number | null>;
}

/** Starts argv with stdout+stderr to `outFile`, inside cgroup `cg` (joined before exec). */
function startIn(cg: string | null, argv: string[], outFile: string): Proc {
  const fd = openSync(outFile, 'w');
  const script = cg === null ? 'exec "$@"' : `echo $$ > ${join(CG, cg, 'cgroup.procs')} && exec "$@"`;
  const child = spawn('sh', ['-c', script, 'sh', ...argv], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exit = new Promise<number | null>((r) => {
    child.on('exit', (code, signal) => r(code ?? (signal ? 128 : null)));
    child.on('error', () => r(127));
  });
  return { child, exit };
}

async function waitExit(p: Proc, ms: number, what: string): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  const r = await Promise.race([p.exit, timeout]);
  clearTimeout(timer);
  if (r !== 'timeout') return r;
  say(`warning: ${what} still running after ${ms / 1000} s: killing it`);
  p.child.kill('SIGKILL');
  return p.exit;
}

function execText(cmd: string, args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((r) => {
    execFile(cmd, args, { maxBuffer: 256 << 20, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      r({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function waitFor(what: string, ms: number, pred: () => boolean, every = 200): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (pred()) return true;
    await sleep(every);
  }
  say(`warning: timed out after ${ms / 1000} s waiting for ${what}`);
  return false;
}

const extState = (): { state: string | null; ops: string | null } => {
  const s = schedExtState();
  return { state: s.state ?? null, ops: s.ops ?? null };
};

function threadIds(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number).filter((n) => Number.isInteger(n)).sort((a, b) => a - b);
  } catch {
    return [];
  }
}

// ---- CPU accounting ------------------------------------------------------------------

interface CpuSample {
  t: number;
  busy: number;
  idle: number;
  ls: number;
  batch: number;
  agent: number | null;
  /** The agent's threads (empty: no agent). */
  agentThreads: ThreadSample[];
}

const CLK_TCK = 100;

function cgroupUsageS(name: string): number {
  try {
    const m = /usage_usec (\d+)/.exec(readFileSync(join(CG, name, 'cpu.stat'), 'utf8'));
    return m ? Number(m[1]) / 1e6 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function processCpuS(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

function cpuSample(agentPid: number | undefined, layout: ScenarioLayout): CpuSample {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const busy = f.slice(0, 8).reduce((s, v) => s + v, 0) - idle;
  return { t: Date.now(), busy: busy / CLK_TCK, idle: idle / CLK_TCK, ls: cgroupUsageS(layout.ls.path), batch: cgroupUsageS(layout.batch.path),
    agent: processCpuS(agentPid), agentThreads: agentPid === undefined ? [] : readThreadCpu(agentPid, CLK_TCK) };
}

function cpuDelta(a: CpuSample, b: CpuSample): NonNullable<RawCell['cpu']> {
  const r = (v: number): number => Math.round(v * 1000) / 1000;
  return {
    wallS: r((b.t - a.t) / 1000), busyS: r(b.busy - a.busy), idleS: r(b.idle - a.idle), lsS: r(b.ls - a.ls), batchS: r(b.batch - a.batch),
    agentS: a.agent !== null && b.agent !== null ? r(b.agent - a.agent) : null,
  };
}

// ---- the scx-slo agent ---------------------------------------------------------------

interface AgentStatus {
  policy: string;
  counters: Record<string, number>;
  /** The delegation loop's counters (agents before it reported them: absent). */
  loop?: { rounds: number; busyRounds: number; records: number };
  /** When this answer arrived (Date.now(); set here, not by the agent). */
  receivedAt: number;
  lagHistogram?: number[];
  cgroups: Record<string, { runs: number; misses: number; waitNsSum: number }>;
  slos: Record<string, unknown>;
}

class Agent {
  private proc: Proc | undefined;
  private exited = false;
  policy: string | undefined;
  /** The agent's --workers, --bpf-object and extra arguments. */
  workers: number | undefined;
  bpfObject: string | undefined;
  extraArgs: string[] | undefined;
  stopped = false;
  private starts = 0;

  private log: string | undefined;

  /** The agent log's last line mentioning why it stopped (ejection reason), if any. */
  lastWords(): string | undefined {
    if (!this.log || !existsSync(this.log)) return undefined;
    const lines = readFileSync(this.log, 'utf8').split('\n').filter((l) => /ejected|exit kind|error/i.test(l));
    return lines.pop()?.replace(/^\S+ scx-slo: /, '');
  }

  get pid(): number | undefined {
    return this.running ? this.proc?.child.pid : undefined;
  }

  get running(): boolean {
    return this.proc !== undefined && !this.exited;
  }

  async start(policy: string, config: string, workers: number, bpfObject: string, extraArgs: string[]): Promise<boolean> {
    this.starts++;
    const log = join(opts.out, `agent-${this.starts}.log`);
    this.log = log;
    const t0 = Date.now();
    this.exited = false;
    this.proc = startIn(null, ['node', CLI, 'run', '--config', config, '--policy', policy,
      ...agentRunArgs({ ...RECOMMENDED_AGENT, lagMs: opts.lagMs, workers }), ...extraArgs, '--metrics-port', '0', '--control-socket', SOCK,
      '--bpf-object', bpfObject], log);
    void this.proc.exit.then(() => (this.exited = true));
    const ok = await waitFor('the scx-slo agent to attach', 240_000, () => {
      const s = schedExtState();
      return this.exited || (s.state === 'enabled' && s.ops === 'slo');
    });
    if (!ok || this.exited) {
      say(`error: the agent did not attach (see ${log}): ${readFileSync(log, 'utf8').split('\n').slice(-8).join(' | ')}`);
      await this.shutdown();
      return false;
    }
    // The control socket and the SLO table.
    for (let i = 0; i < 150; i++) {
      try {
        const s = await this.status();
        if (Object.keys(s.slos).length >= 2 * LAYOUTS.length) {
          this.policy = s.policy;
          this.workers = workers;
          this.bpfObject = bpfObject;
          this.extraArgs = extraArgs;
          say(`agent attached (policy ${s.policy}) after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
          return true;
        }
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    say('error: the agent attached but its control socket or SLO table never came up');
    await this.shutdown();
    return false;
  }

  async status(): Promise<AgentStatus> {
    const reply = await controlRequest(SOCK, { cmd: 'status' }, 60_000);
    if (!reply.ok) throw new Error(`status: ${reply.error}`);
    return { ...(reply.result as Omit<AgentStatus, 'receivedAt'>), receivedAt: Date.now() };
  }

  async setPolicy(spec: string): Promise<void> {
    const reply = await controlRequest(SOCK, { cmd: 'policy-set', spec }, 60_000);
    if (!reply.ok) throw new Error(`policy set ${spec}: ${reply.error}`);
    this.policy = (reply.result as { policy: string }).policy;
  }

  sigstop(): void {
    this.proc?.child.kill('SIGSTOP');
    this.stopped = true;
  }

  sigcont(): void {
    this.proc?.child.kill('SIGCONT');
    this.stopped = false;
  }

  async shutdown(): Promise<void> {
    if (!this.proc) return;
    if (!this.exited) {
      if (this.stopped) this.sigcont();
      this.proc.child.kill('SIGINT');
      await waitExit(this.proc, 60_000, 'the agent');
    }
    this.proc = undefined;
    this.policy = undefined;
    this.workers = undefined;
    this.bpfObject = undefined;
    this.extraArgs = undefined;
    await waitFor('sched_ext to be disabled', 30_000, () => schedExtState().state !== 'enabled');
  }
}

// ---- the kernel's example schedulers (optional peers) -----------------------------

class Peer {
  private proc: Proc | undefined;
  name: string | undefined;

  async start(name: string): Promise<boolean> {
    const bin = opts.peerDir ? join(opts.peerDir, name) : '';
    if (!bin || !existsSync(bin)) {
      say(`error: ${name} not found${opts.peerDir ? ` in ${opts.peerDir}` : ' (no --peer-dir)'}`);
      return false;
    }
    const log = join(opts.out, `${name}.log`);
    this.proc = startIn(null, [bin], log);
    this.name = name;
    let exited = false;
    void this.proc.exit.then(() => (exited = true));
    const ok = await waitFor(`${name} to attach`, 60_000, () => exited || schedExtState().state === 'enabled');
    if (!ok || exited) {
      say(`error: ${name} did not attach (see ${log})`);
      await this.shutdown();
      return false;
    }
    say(`${name} attached (ops ${schedExtState().ops})`);
    return true;
  }

  async shutdown(): Promise<void> {
    if (!this.proc) return;
    this.proc.child.kill('SIGINT');
    await waitExit(this.proc, 30_000, this.name ?? 'peer');
    this.proc = undefined;
    this.name = undefined;
    await waitFor('sched_ext to be disabled', 30_000, () => schedExtState().state !== 'enabled');
  }
}

// ---- one cell ------------------------------------------------------------------------

async function saveProbe(dir: string, pid: number, tids: number[]): Promise<RawProbe | null> {
  const hist = join(dir, 'hist.txt');
  if (!existsSync(hist)) return null;
  // Drop the empty buckets here, in C: the file has one line per microsecond of range.
  const filtered = await execText('grep', ['-v', '-E', '^[0-9]+[[:space:]]+0+[[:space:]]*$', hist]);
  const out = readFileSync(join(dir, 'probe.txt'), 'utf8');
  const lines = out.split(/[\n\r]/).filter((l) => /T:\s*\d+\s*\(/.test(l));
  return { histogramText: filtered.stdout, summaryLine: lines.pop() ?? '', rangeUs: HIST_US, pid, tids };
}

interface Workload {
  /** Watches sched_ext during the cell: the first time it was not what the cell measures. */
  watch: NodeJS.Timeout;
  deviation: string | null;
  cpu0: CpuSample;
  agentPid: number | undefined;
  layout: ScenarioLayout;
  /** The latency-sensitive workload: cyclictest (probe) or slo-service (service). */
  probe: Proc;
  stress: Proc | null;
  dir: string;
  probeSeconds: number;
  startedAt: string;
  tids: number[];
}

/** The service's arrival schedule: the same in every row of a round, another each round. */
const serviceSeed = (round: number): number => 1000 + round;

async function startWorkload(name: string, layout: ScenarioLayout, probeSeconds: number, withBatch: boolean, agentPid: number | undefined,
  round: number): Promise<Workload> {
  const dir = join(WORK, name);
  mkdirSync(dir, { recursive: true });
  let stress: Proc | null = null;
  if (withBatch) {
    stress = startIn(layout.batch.path, ['stress-ng', '--cpu', String(opts.stressors), '--cpu-method', STRESS_METHOD, '--metrics-brief',
      '--timeout', `${probeSeconds + 2}s`], join(dir, 'stress.txt'));
    await sleep(1000);
  }
  const startedAt = stamp();
  const cpu0 = cpuSample(agentPid, layout);
  // What must stay in place while the cell runs: no sched_ext scheduler (default) or
  // the one attached now.
  const expect = extState();
  const w0 = { deviation: null as string | null };
  const t0 = Date.now();
  const watch = setInterval(() => {
    const now = extState();
    const ok = expect.state === 'enabled' ? now.state === 'enabled' && now.ops === expect.ops : now.state !== 'enabled';
    if (!ok && w0.deviation === null) {
      w0.deviation = `${((Date.now() - t0) / 1000).toFixed(1)} s into the cell sched_ext was ${now.state}${now.ops ? ` (ops ${now.ops})` : ''}, ` +
        `not ${expect.state === 'enabled' ? `${expect.ops}` : 'disabled'}`;
    }
  }, 250);
  let probe: Proc;
  if (layout.name === 'service') {
    probe = startIn(layout.ls.path, [opts.serviceBin, '--duration-s', String(probeSeconds), '--mean-us', String(SERVICE_WORKLOAD.meanUs),
      '--work-us', String(SERVICE_WORKLOAD.workUs), '--threads', String(SERVICE_WORKLOAD.threads), '--seed', String(serviceSeed(round)),
      '--grace-s', String(SERVICE_WORKLOAD.graceS)], join(dir, 'service.txt'));
  } else {
    // --refresh_on_max: the main thread prints only on a new max instead of every 10 ms, so
    // the service is the measurement thread (plus a rare print).
    probe = startIn(layout.ls.path, ['cyclictest', '-p', '0', '--policy=other', '-i', String(INTERVAL_US), '-D', String(probeSeconds),
      '--refresh_on_max', '-h', String(HIST_US), `--histfile=${join(dir, 'hist.txt')}`], join(dir, 'probe.txt'));
  }
  // The worker threads appear once the program has set up (slow under emulation). The
  // shell started by startIn execs the program, so its pid is the program's.
  const want = layout.name === 'service' ? 1 + SERVICE_WORKLOAD.threads : 2;
  let tids: number[] = [];
  for (let i = 0; i < 40 && tids.length < want; i++) {
    await sleep(100);
    tids = threadIds(probe.child.pid ?? -1);
  }
  return {
    watch,
    get deviation() {
      return w0.deviation;
    },
    cpu0, agentPid, layout, probe, stress, dir, probeSeconds, startedAt, tids,
  };
}

async function finishWorkload(w: Workload, round: number, scheduler: SchedulerName): Promise<RawCell> {
  const service = w.layout.name === 'service';
  await waitExit(w.probe, (w.probeSeconds + 60 + (service ? SERVICE_WORKLOAD.graceS : 0)) * 1000, service ? 'slo-service' : 'cyclictest');
  clearInterval(w.watch);
  const endedAt = stamp();
  const cpu1 = cpuSample(w.agentPid, w.layout);
  const cpu = cpuDelta(w.cpu0, cpu1);
  const schedExt = extState();
  if (w.stress) await waitExit(w.stress, 60_000, 'stress-ng');
  const probe = service ? null : await saveProbe(w.dir, w.probe.child.pid ?? -1, w.tids);
  const serviceFile = join(w.dir, 'service.txt');
  const serviceText = service && existsSync(serviceFile) ? readFileSync(serviceFile, 'utf8') : null;
  const batchText = w.stress && existsSync(join(w.dir, 'stress.txt')) ? readFileSync(join(w.dir, 'stress.txt'), 'utf8') : null;
  const cell: RawCell = {
    round, scenario: w.layout.name, scheduler, startedAt: w.startedAt, endedAt, probeSeconds: w.probeSeconds, schedExt, probe,
    ...(service ? { serviceText } : {}), batchText, cpu, notes: [],
  };
  if (w.agentPid !== undefined && cpu1.agentThreads.length > 0) cell.agentThreads = threadCpuDelta(w.cpu0.agentThreads, cpu1.agentThreads);
  if (w.deviation !== null) cell.invalid = `the scheduler under test was not in place throughout: ${w.deviation}`;
  if (service) {
    try {
      if (!parseServiceOutput(serviceText ?? '')) cell.notes.push('slo-service printed no closing counts line');
    } catch (err) {
      cell.notes.push((err as Error).message);
    }
  } else if (!probe) cell.notes.push('the probe wrote no histogram');
  else {
    const summary = parseCyclictestSummary(probe.summaryLine);
    if (!summary) cell.notes.push('no cyclictest status line');
    else if (summary.priority !== 0) cell.notes.push(`probe ran at priority ${summary.priority}, not 0 (SCHED_OTHER)`);
  }
  if (w.stress && !parseStressNgMetrics(batchText ?? '')) cell.notes.push('no stress-ng metrics line');
  return cell;
}

function cellLine(cell: RawCell): string {
  const parts: string[] = [`${cell.scenario ?? 'probe'}`];
  if (cell.serviceText) {
    try {
      const o = parseServiceOutput(cell.serviceText);
      if (o) {
        const sorted = [...o.latenciesNs].sort((x, y) => x - y);
        const q = (f: number): string =>
          (sorted.length > 0 ? `${(sorted[Math.min(sorted.length - 1, Math.ceil(f * sorted.length) - 1)]! / 1e6).toFixed(1)} ms` : '-');
        parts.push(`service ${o.completed}/${o.scheduled} requests (${o.unfinished} unfinished), p50 ${q(0.5)}, p99 ${q(0.99)}, max ${q(1)}`);
      }
    } catch (err) {
      parts.push(`service output unreadable: ${(err as Error).message}`);
    }
  }
  if (cell.probe) {
    const h = parseCyclictestHistogram(cell.probe.histogramText, cell.probe.rangeUs);
    const p50 = percentile(h, 0.5);
    const p99 = percentile(h, 0.99);
    const summary = parseCyclictestSummary(cell.probe.summaryLine);
    parts.push(`probe P:${summary?.priority ?? '?'} p50 ${p50 ? (p50.ns / 1e3).toFixed(0) : '-'} us, p99 ${p99 ? (p99.ns / 1e3).toFixed(0) : '-'} ` +
      `us, max ${h.maxUs} us`);
  }
  const m = parseStressNgMetrics(cell.batchText ?? '');
  if (m) parts.push(`batch ${m.bogoOps} bogo ops`);
  if (cell.cpu) {
    const u = cell.cpu;
    parts.push(`cpu s: batch ${u.batchS.toFixed(1)}, ls ${u.lsS.toFixed(2)}${u.agentS !== null ? `, agent ${u.agentS.toFixed(1)}` : ''}, idle ` +
      `${u.idleS.toFixed(1)} of ${u.wallS.toFixed(1)} s wall`);
  }
  const c = cell.counters;
  if (c) {
    const sh = dispatchShares(c);
    const pct = (f: number | undefined): string => (f === undefined ? '-' : `${(100 * f).toFixed(0)}%`);
    parts.push(`dispatch user ${pct(sh?.userspace)} direct ${pct(sh?.direct)} fallback ${pct(sh?.fallback)}`);
  }
  const l = cell.loop;
  if (l && l.wallS > 0) {
    parts.push(`agent loop ${(l.rounds / l.wallS).toFixed(0)} rounds/s (${(l.busyRounds / l.wallS).toFixed(0)} busy), ` +
      `${l.busyRounds > 0 ? (l.records / l.busyRounds).toFixed(1) : '-'} records per busy round`);
  }
  if (cell.agentThreads && cell.cpu) {
    parts.push(`agent threads ${topThreadShares(cell.agentThreads, cell.cpu.wallS, 3).map((t) => `${t.comm}/${t.tid} ${(100 * t.share).toFixed(1)}%`)
      .join(', ')}`);
  }
  if (cell.invalid) parts.push(`INVALID (left out of the summary): ${cell.invalid}`);
  if (cell.notes.length > 0) parts.push(`NOTE ${cell.notes.join('; ')}`);
  return parts.join('; ');
}

function diff(after: AgentStatus, before: AgentStatus, cgNames: Map<string, string>): Pick<RawCell, 'counters' | 'lagHistogram' | 'cgroups' | 'loop'> {
  const counters: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.counters)) counters[k] = v - (before.counters[k] ?? 0);
  const lagHistogram = after.lagHistogram?.map((v, i) => v - (before.lagHistogram?.[i] ?? 0));
  const cgroups: NonNullable<RawCell['cgroups']> = {};
  for (const [id, name] of cgNames) {
    const a = after.cgroups[id];
    const b = before.cgroups[id];
    if (!a) continue;
    cgroups[name] = { runs: a.runs - (b?.runs ?? 0), misses: a.misses - (b?.misses ?? 0), waitNsSum: a.waitNsSum - (b?.waitNsSum ?? 0) };
  }
  const loop = after.loop && before.loop
    ? { rounds: after.loop.rounds - before.loop.rounds, busyRounds: after.loop.busyRounds - before.loop.busyRounds,
      records: after.loop.records - before.loop.records, wallS: Math.round(after.receivedAt - before.receivedAt) / 1000 }
    : undefined;
  return { counters, ...(lagHistogram ? { lagHistogram } : {}), cgroups, ...(loop ? { loop } : {}) };
}

/**
 * Records scheduler events with trace-cmd over one whole cell (--trace-s seconds of probe)
 * under `scheduler` (already in place): tracing starts first, the workload once it is on.
 */
async function traceCell(scheduler: SchedulerName, layout: ScenarioLayout, agentPid: number | undefined): Promise<RawTrace | null> {
  // The probe's files keep their version-1 names (the simulator check reads trace-default.txt).
  const base = layout.name === 'probe' ? `trace-${scheduler}` : `trace-${layout.name}-${scheduler}`;
  say(`trace: recording a ${opts.traceS} s ${layout.name} ${scheduler} cell with trace-cmd`);
  const dat = join(WORK, `${base}.dat`);
  const enable = '/sys/kernel/tracing/events/sched/sched_switch/enable';
  const rec = startIn(null, ['trace-cmd', 'record', '-q', '-o', dat, '-e', 'sched:sched_switch', '-e', 'sched:sched_wakeup',
    '-e', 'sched:sched_wakeup_new', '-e', 'sched:sched_process_exit'], join(WORK, `${base}.log`));
  const on = await waitFor('trace-cmd to start recording', 60_000, () => {
    try {
      return readFileSync(enable, 'utf8').trim() === '1';
    } catch {
      return false;
    }
  });
  if (!on) {
    rec.child.kill('SIGKILL');
    return null;
  }
  await sleep(500);
  const w = await startWorkload(base, layout, opts.traceS, true, agentPid, 0);
  const cell = await finishWorkload(w, 0, scheduler);
  rec.child.kill('SIGINT');
  const code = await waitExit(rec, 120_000, 'trace-cmd record');
  if (code !== 0 || !existsSync(dat)) {
    say(`warning: trace-cmd record failed (${code}): ${readFileSync(join(WORK, `${base}.log`), 'utf8').trim().split('\n').slice(-3).join(' | ')}`);
    return null;
  }
  const rep = await execText('trace-cmd', ['report', '-i', dat]);
  const file = `${base}.txt`;
  writeFileSync(join(opts.out, file), rep.stdout);
  say(`trace: ${(rep.stdout.length / 1024).toFixed(0)} KB of trace-cmd report in ${file}; ${cellLine(cell)}`);
  const lsComm = layout.name === 'service' ? 'slo-service' : 'cyclictest';
  return { file, scenario: layout.name, lsComm, lsPid: w.probe.child.pid ?? -1, seconds: opts.traceS, scheduler, probePid: w.probe.child.pid ?? -1,
    probeTids: w.tids, agentPid: agentPid ?? null, probe: cell.probe };
}

// ---- main ------------------------------------------------------------------------------

async function main(): Promise<void> {
  mkdirSync(opts.out, { recursive: true });
  mkdirSync(WORK, { recursive: true });
  if (!existsSync('/sys/kernel/sched_ext/state')) throw new Error('this kernel has no sched_ext (/sys/kernel/sched_ext/state missing)');
  for (const object of [opts.bpfObject, opts.altBpfObject, opts.alt2BpfObject]) {
    if (object !== undefined && !existsSync(object)) throw new Error(`no BPF object at ${object} (make build-bpf)`);
  }
  if (extState().state === 'enabled') throw new Error(`a sched_ext scheduler (${extState().ops}) is already attached: detach it first`);
  if (opts.scenarios.includes('service') && !existsSync(opts.serviceBin)) throw new Error(`no service program at ${opts.serviceBin} (make build-service)`);
  for (const tool of [...(opts.scenarios.includes('probe') ? ['cyclictest'] : []), 'stress-ng', ...(opts.traceS > 0 ? ['trace-cmd'] : [])]) {
    const r = await execText('sh', ['-c', `command -v ${tool}`]);
    if (r.code !== 0) throw new Error(`${tool} not found (Debian: ${tool === 'cyclictest' ? 'rt-tests' : tool})`);
  }

  // The node's cgroups: every scenario's, the cpu controller enabled down to them, the
  // SLOs in the agent's config file (its normal source).
  writeFileSync(join(CG, 'cgroup.subtree_control'), '+cpu');
  const cgNames = new Map<string, string>();
  for (const l of LAYOUTS) {
    if (l.parent) {
      mkdirSync(join(CG, l.parent.path), { recursive: true });
      writeFileSync(join(CG, l.parent.path, 'cgroup.subtree_control'), '+cpu');
      writeFileSync(join(CG, l.parent.path, 'cpu.weight'), String(l.parent.weight));
    }
    for (const g of [l.ls, l.batch]) {
      mkdirSync(join(CG, g.path), { recursive: true });
      writeFileSync(join(CG, g.path, 'cpu.weight'), String(g.weight));
      cgNames.set(String(statSync(join(CG, g.path)).ino), g.path);
    }
  }
  const config = join(WORK, 'slos.yaml');
  writeFileSync(config, agentConfigYaml(LAYOUTS));
  say(`kernel ${run.kernel}, ${run.cpus} CPUs; ${opts.rounds} rounds x [${opts.scenarios.join(', ')}] x [${opts.schedulers.join(', ')}], ` +
    `${opts.probeS} s per cell; ` +
    `batch: stress-ng --cpu ${opts.stressors}; agent: ${agentRunArgs({ ...RECOMMENDED_AGENT, lagMs: opts.lagMs }).join(' ')}`);
  for (const s of new Set([...opts.schedulers, ...opts.traceSchedulers])) {
    const v = rowVariant(run.config, s);
    if (!v) continue;
    if (v.agentArgs.length === 0 && v.bpfObject === undefined) {
      say(`note: ${s} has neither ${s === 'slo-edf-alt' ? '--alt-agent-args nor --alt-bpf-object' : '--alt2-agent-args nor --alt2-bpf-object'}: ` +
        'it runs exactly as slo-edf');
    } else say(`${s}: ${variantText(v)}`);
  }
  for (const l of LAYOUTS) {
    say(`scenario ${l.name}: ${l.description}; ls ${l.ls.path} SLO ${l.ls.slo.budgetMs} ms / ${l.ls.slo.importance}, ` +
      `batch ${l.batch.path} SLO ${l.batch.slo.budgetMs} ms / ${l.batch.slo.importance}; cpu.weight: ${l.weightNotes.join('; ')}; default-tuned: ls ` +
      `cpu.weight ${l.tunedWeight}`);
  }
  save();

  /** The ls cgroup's cpu.weight for a row: hand-tuned in default-tuned, else the layout's. */
  function setWeights(layout: ScenarioLayout, scheduler: SchedulerName): void {
    writeFileSync(join(CG, layout.ls.path, 'cpu.weight'), String(scheduler === 'default-tuned' ? layout.tunedWeight : layout.ls.weight));
  }

  const agent = new Agent();
  const peer = new Peer();
  const t0 = Date.now();

  if (opts.idleS > 0) {
    for (const l of LAYOUTS) {
      say(`idle: the ${l.name} scenario's ls workload alone under the default scheduler, ${opts.idleS} s`);
      setWeights(l, 'default');
      const w = await startWorkload(`idle-${l.name}`, l, opts.idleS, false, undefined, 0);
      const cell = await finishWorkload(w, 0, 'default');
      (run.idles ??= []).push(cell);
      if (l.name === 'probe') run.idle = cell;
      say(`idle: ${cellLine(cell)}`);
      save();
    }
  }

  /**
   * Puts `scheduler` in place: detaches or attaches the agent, swaps its policy, starts a
   * peer, SIGSTOPs the agent for slo-fallback. Returns the agent's status before the cell
   * (scx-slo) or null, or false when the scheduler could not be put in place.
   */
  async function prepare(scheduler: SchedulerName, layout: ScenarioLayout, tag: string): Promise<AgentStatus | null | false> {
    setWeights(layout, scheduler);
    if (!SCHEDULERS[scheduler].slo) {
      if (agent.running) {
        say(`${tag}: detaching the agent`);
        await agent.shutdown();
      }
      if (peer.name !== undefined && peer.name !== scheduler) await peer.shutdown();
      if (SCHEDULERS[scheduler].peer && peer.name !== scheduler && !(await peer.start(scheduler))) return false;
      return null;
    }
    if (peer.name !== undefined) await peer.shutdown();
    const want = scheduler === 'slo-fair' ? 'fair' : 'edf';
    const workers = scheduler === 'slo-edf-inline' ? 0 : WORKERS;
    const variant = rowVariant(run.config, scheduler);
    const object = variant?.bpfObject ?? opts.bpfObject;
    const extra = variant?.agentArgs ?? [];
    const sameArgs = (a: readonly string[] | undefined): boolean => a !== undefined && a.length === extra.length && a.every((x, i) => x === extra[i]);
    if (agent.running && (agent.workers !== workers || agent.bpfObject !== object || !sameArgs(agent.extraArgs))) {
      say(`${tag}: restarting the agent with --workers ${workers}, ${object}${extra.length > 0 ? `, ${extra.join(' ')}` : ''}`);
      await agent.shutdown();
    }
    if (!agent.running) {
      say(`${tag}: attaching the agent (policy ${want}, --workers ${workers}${extra.length > 0 ? `, ${extra.join(' ')}` : ''}); under emulation this ` +
        'takes a while');
      if (!(await agent.start(want, config, workers, object, extra))) return false;
      await sleep(2000);
    } else if (agent.policy !== want) {
      await agent.setPolicy(want);
      say(`${tag}: policy is now ${agent.policy}`);
      await sleep(2000);
    }
    const before = await agent.status();
    if (scheduler === 'slo-fallback') {
      agent.sigstop();
      say(`${tag}: agent SIGSTOPped; waiting ${(STALL_MS + 1000) / 1000} s for the stall bound`);
      await sleep(STALL_MS + 1000);
    }
    return before;
  }

  /** After a cell: SIGCONT, the counters over the cell, checks. */
  async function conclude(cell: RawCell, before: AgentStatus | null): Promise<void> {
    if (cell.scheduler === 'slo-fallback') {
      agent.sigcont();
      cell.countersNote = `counters from just before SIGSTOP to just after SIGCONT (includes the ${(STALL_MS + 1000) / 1000} s before the probe)`;
    }
    if (SCHEDULERS[cell.scheduler].slo && before) {
      try {
        Object.assign(cell, diff(await agent.status(), before, cgNames));
      } catch (err) {
        cell.notes.push(`no status after the cell: ${(err as Error).message}`);
      }
      if (cell.invalid && agent.lastWords()) cell.invalid += `; the agent said: ${agent.lastWords()}`;
    }
    if (cell.scheduler === 'default' && cell.schedExt.state === 'enabled') cell.notes.push('a sched_ext scheduler was attached');
  }

  const total = opts.rounds * LAYOUTS.length * opts.schedulers.length;
  let done = 0;
  for (let round = 1; round <= opts.rounds; round++) {
    for (const layout of LAYOUTS) for (const scheduler of opts.schedulers) {
      done++;
      const tag = `[${done}/${total}] round ${round} ${layout.name} ${scheduler}`;
      try {
        const before = await prepare(scheduler, layout, tag);
        if (before === false) continue;
        const state = extState();
        say(`${tag}: measuring ${opts.probeS} s (sched_ext ${state.state}${state.ops ? `, ops ${state.ops}` : ''}; ` +
          `${((Date.now() - t0) / 1000).toFixed(0)} s elapsed)`);
        const w = await startWorkload(`r${round}-${layout.name}-${scheduler}`, layout, opts.probeS, true, agent.pid, round);
        const cell = await finishWorkload(w, round, scheduler);
        await conclude(cell, before);
        run.cells.push(cell);
        say(`${tag}: ${cellLine(cell)}`);
        save();
        await sleep(1000);
      } catch (err) {
        if (agent.stopped) agent.sigcont();
        say(`error: ${tag}: ${(err as Error).message}`);
        save();
      }
    }
  }

  // Traced cells (trace-cmd), by default scx-slo edf (for diagnosis: what ran while the
  // probe waited) and then the default scheduler (the simulator's input).
  if (opts.traceS > 0) {
    for (const layout of LAYOUTS) for (const scheduler of opts.traceSchedulers) {
      try {
        const before = await prepare(scheduler, layout, `trace ${layout.name} ${scheduler}`);
        if (before === false) continue;
        const t = await traceCell(scheduler, layout, agent.pid);
        if (t) {
          const cell: RawCell = { round: 0, scenario: layout.name, scheduler, startedAt: '', probeSeconds: t.seconds, schedExt: extState(), probe: t.probe,
            batchText: null, notes: [] };
          await conclude(cell, before);
          if (cell.counters) t.counters = cell.counters;
          if (layout.name === 'probe' && scheduler === 'default') run.trace = t;
          else (run.traces ??= []).push(t);
          if (layout.name === 'probe' && scheduler === 'slo-edf') run.traceSlo = t;
        } else if (agent.stopped) {
          agent.sigcont();
        }
        save();
      } catch (err) {
        if (agent.stopped) agent.sigcont();
        say(`warning: the ${layout.name} ${scheduler} trace failed: ${(err as Error).message}`);
      }
    }
  }
  for (const l of LAYOUTS) setWeights(l, 'default');
  await peer.shutdown();
  await agent.shutdown();
  run.finishedAt = stamp();
  save();
  say(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${run.cells.length} cells; raw results in ${join(opts.out, 'raw.json')}`);
}

main().then(() => process.exit(0), (err: unknown) => {
  say(`error: ${(err as Error).stack ?? String(err)}`);
  try {
    save();
  } catch {
    // out dir unusable
  }
  process.exit(1);
});
