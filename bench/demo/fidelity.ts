// Simulator fidelity: replays the scheduler trace recorded in the guest (trace-cmd, a
// default-scheduler cell) through the simulator (`scx-slo sim --trace ... --json`, the
// stable JSON interface of sim/JSON_OUTPUT.md) under edf, fair and eevdf, and sets the
// simulated ratio edf / eevdf of the probe's p99 wake-up latency (eevdf: the sim's own
// model of the kernel default) beside the measured ratio scx-slo edf / kernel default;
// edf / fair (the sim's fair policy, the stand-in used before eevdf existed) is kept for
// reference. A calibrated variant can be added: its wake-up costs come from the p50
// wake-to-run of each traced cell (never from the p99s compared), see calibratedWakeupArgs;
// and variants with the agent as a CPU consumer, its cost per record from the guest's CPU
// accounting of the traced scx-slo cell's scheduler (agentCpuPerRecord). For the service
// scenario: the simulator's own `service` scenario (runServiceFidelity) beside the
// measured slo-edf / default p99 ratio and within-budget share.
//
// The probe is cyclictest's measurement thread. Its main thread has the same command
// name, so the trace is rewritten first to give the main thread (pid = the process id)
// the comm `ctmain`: it is replayed as its own group with the same SLO and left out of
// the comparison.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { LatencySummaryJson } from '../../sim/result-json.js';
import { DEFAULT_MODEL } from '../../sim/sim-model.js';
import type { RawCell } from './raw-results.js';
import { RECOMMENDED_AGENT } from './agent-settings.js';

/** One latency distribution as the simulator's --json writes it (sim/JSON_OUTPUT.md). */
export type LatencySummary = LatencySummaryJson;

export interface FidelityVariant {
  name: string;
  description: string;
  args: string[];
  edf: LatencySummary | null;
  fair: LatencySummary | null;
  /** The eevdf baseline (the sim's model of the kernel default). */
  eevdf: LatencySummary | null;
  /** edf p99 / fair p99 in the replay (the old comparison, for reference). */
  simRatio: number | null;
  /** |simRatio / measuredRatio - 1|. */
  deviation: number | null;
  withinTarget: boolean;
  /** edf p99 / eevdf p99 in the replay: the comparison with the kernel default. */
  simRatioEevdf: number | null;
  /** |simRatioEevdf / measuredRatio - 1|. */
  deviationEevdf: number | null;
  withinTargetEevdf: boolean;
  /** |simRatioEevdf / recordedRatio - 1|: against the traces' own wake-to-run ratio. */
  deviationEevdfRecorded: number | null;
  /** The edf replay's totals: direct (kernel fast path) and policy shares, preemptions. */
  edfTotals: Record<string, number> | null;
  batchShareEdf: number | null;
  batchShareFair: number | null;
  error?: string;
}

export interface FidelityResult {
  trace: string;
  /** Measured: median p99 of scx-slo edf / median p99 of the kernel default. */
  measuredRatio: number | null;
  measuredEdfP99Ns: number | null;
  measuredDefaultP99Ns: number | null;
  /** Wake-to-run latency the recorded (default) kernel gave the probe thread, from the trace. */
  recordedProbe: LatencySummary | null;
  /** The probe's own (cyclictest) p99 in the traced cell. */
  tracedCellProbeP99Ns: number | null;
  /** Wake-to-run latency scx-slo edf gave the probe thread, from the traced scx-slo cell. */
  recordedSloProbe: LatencySummary | null;
  /** recordedSloProbe p99 / recordedProbe p99: the measured ratio by the traces' own clock. */
  recordedRatio: number | null;
  groups: Array<{ name: string; kind: string; tasks: number }>;
  variants: FidelityVariant[];
  /** The wake-up costs of the calibrated variants, or null when there were none. */
  calibration: WakeupCalibration | null;
  /** The agent CPU cost of the agent-CPU variants, or null when there were none. */
  agentCpu: AgentCpuCalibration | null;
  target: number;
}

/** The agent's CPU per record handed to userspace, from the guest's CPU accounting. */
export interface AgentCpuCalibration {
  scheduler: string;
  /** Valid cells of that scheduler with both figures. */
  cells: number;
  /** The agent process's CPU over those cells, s. */
  agentS: number;
  /** Records handed to userspace over those cells (counters.to_user). */
  records: number;
  nsPerRecord: number;
}

/**
 * Agent CPU seconds over records handed to userspace, summed over the valid cells of
 * `scheduler` (the traced scx-slo cell's, so the agent's mode matches the trace). Every
 * agent cost (decision rounds, heartbeat) is charged per record: the counters do not
 * count rounds. No latency figure is used. Null when no cell has both figures.
 */
export function agentCpuPerRecord(cells: readonly RawCell[], scheduler: string): AgentCpuCalibration | null {
  let agentS = 0;
  let records = 0;
  let count = 0;
  for (const c of cells) {
    const s = c.cpu?.agentS;
    const r = c.counters?.['to_user'];
    if (c.scheduler !== scheduler || c.invalid !== undefined || s == null || r === undefined || !(r > 0)) continue;
    agentS += s;
    records += r;
    count++;
  }
  return count === 0 ? null : { scheduler, cells: count, agentS, records, nsPerRecord: (agentS * 1e9) / records };
}

export function agentCpuArgs(c: AgentCpuCalibration, lagBoundMs: number): string[] {
  return ['--agent-cpu-us-per-record', String(Math.round(c.nsPerRecord / 1000)), '--agent-deadline-us', String(Math.round(lagBoundMs * 1000))];
}

export const FIDELITY_TARGET = 0.25;

/** Gives the probe's main thread (pid = `mainPid`) the comm `ctmain` throughout the trace text. */
export function renameProbeMainThread(text: string, mainPid: number): string {
  if (!(mainPid > 0)) return text;
  const re = new RegExp(`cyclictest([-:])${mainPid}(?!\\d)`, 'g');
  return text.replace(re, (_m, sep: string) => `ctmain${sep}${mainPid}`);
}

export const GROUP_ARGS = (slos: Record<string, { budgetMs: number; importance: number }>): string[] => [
  '--group', 'ls=^cyclictest$', '--group', 'ls_main=^ctmain$', '--group', 'batch=^stress-ng',
  '--slo', `ls=${slos['ls']!.budgetMs}ms:${slos['ls']!.importance}`,
  '--slo', `ls_main=${slos['ls']!.budgetMs}ms:${slos['ls']!.importance}`,
  '--slo', `batch=${slos['batch']!.budgetMs}ms:${slos['batch']!.importance}`,
  '--kind', 'ls=service', '--kind', 'ls_main=service', '--kind', 'batch=batch',
];

function runSim(cli: string, args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, 'sim', ...args, '--json', '--no-progress'], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) {
        // The simulator's own error line when it printed one (before its usage text), else the tail.
        const lines = String(stderr).trim().split('\n');
        const own = lines.filter((l) => l.startsWith('scx-slo sim:'));
        reject(new Error(`scx-slo sim failed: ${(own.length > 0 ? own : lines.slice(-3)).join(' | ') || err.message}`));
        return;
      }
      try {
        resolve(JSON.parse(String(stdout)));
      } catch (e) {
        reject(new Error(`scx-slo sim printed no JSON: ${(e as Error).message}`));
      }
    });
  });
}

type SimDoc = {
  scenario: { groups: Array<{ name: string; kind: string }>; recorded_wake_latency_ns?: Record<string, LatencySummary> };
  policies: Record<string, { totals: Record<string, number>; groups: Record<string, { tasks: number; kind: string; wake_latency_ns: LatencySummary;
    batch?: { share_of_remaining: number | null } }> }>;
};

export interface FidelityOptions {
  cli: string;
  traceFile: string;
  rewrittenFile: string;
  probePid: number;
  slos: Record<string, { budgetMs: number; importance: number }>;
  measuredEdfP99Ns: number | null;
  measuredDefaultP99Ns: number | null;
  tracedCellProbeP99Ns: number | null;
  /** A trace of a scx-slo edf cell (optional): its recorded probe latency is reported too. */
  sloTrace?: { file: string; rewrittenFile: string; probePid: number } | null;
  /** Model variants: name, description, extra `sim` arguments. */
  variants: Array<{ name: string; description: string; args: string[] }>;
  /**
   * Variants replayed again with wake-up costs calibrated from the traces (needs
   * sloTrace): `--wakeup-us` and `--baseline-wakeup-us` from the p50 wake-to-run of the
   * scx-slo and the default cell (calibratedWakeupArgs). Named "<name> + calibrated wake-up".
   */
  calibrate?: string[];
  /** The agent CPU cost the agent-CPU variants use (their args carry it), to report. */
  agentCpu?: AgentCpuCalibration | null;
}

/** Wake-up costs the calibrated variants use, and the p50s they come from. */
export interface WakeupCalibration {
  /** Probe wake-to-run p50 in the traced default cell, ns. */
  defaultP50Ns: number;
  /** Probe wake-to-run p50 in the traced scx-slo edf cell, ns. */
  sloP50Ns: number;
  contextSwitchNs: number;
  /** `--baseline-wakeup-us`: defaultP50Ns - the context switch, in us. */
  baselineWakeupUs: number;
  /** `--wakeup-us`: sloP50Ns - the context switch, in us. */
  wakeupUs: number;
}

/**
 * The wake-up costs that make a wake-up which runs at once (no queueing: the typical,
 * median, probe wake-up under both schedulers, which preempt for it) take as long in the
 * sim as the traced cell's median: cost = recorded p50 - context switch. Only the p50s
 * are used, never the p99s the fidelity check compares.
 */
export function calibratedWakeup(defaultP50Ns: number, sloP50Ns: number, contextSwitchNs = DEFAULT_MODEL.contextSwitchNs): WakeupCalibration {
  const us = (ns: number): number => Math.max(0, Math.round((ns - contextSwitchNs) / 1000));
  return { defaultP50Ns, sloP50Ns, contextSwitchNs, baselineWakeupUs: us(defaultP50Ns), wakeupUs: us(sloP50Ns) };
}

export function calibratedWakeupArgs(c: WakeupCalibration): string[] {
  return ['--wakeup-us', String(c.wakeupUs), '--baseline-wakeup-us', String(c.baselineWakeupUs)];
}

export async function runFidelity(o: FidelityOptions): Promise<FidelityResult> {
  writeFileSync(o.rewrittenFile, renameProbeMainThread(readFileSync(o.traceFile, 'utf8'), o.probePid));
  const measuredRatio = o.measuredEdfP99Ns !== null && o.measuredDefaultP99Ns ? o.measuredEdfP99Ns / o.measuredDefaultP99Ns : null;
  const result: FidelityResult = {
    trace: o.traceFile,
    measuredRatio,
    measuredEdfP99Ns: o.measuredEdfP99Ns,
    measuredDefaultP99Ns: o.measuredDefaultP99Ns,
    recordedProbe: null,
    tracedCellProbeP99Ns: o.tracedCellProbeP99Ns,
    recordedSloProbe: null,
    recordedRatio: null,
    groups: [],
    variants: [],
    calibration: null,
    agentCpu: o.agentCpu ?? null,
    target: FIDELITY_TARGET,
  };
  if (o.sloTrace) {
    try {
      writeFileSync(o.sloTrace.rewrittenFile, renameProbeMainThread(readFileSync(o.sloTrace.file, 'utf8'), o.sloTrace.probePid));
      const doc = (await runSim(o.cli, ['--trace', o.sloTrace.rewrittenFile, '--format', 'ftrace', ...GROUP_ARGS(o.slos), '--policy', 'edf'])) as SimDoc;
      result.recordedSloProbe = doc.scenario.recorded_wake_latency_ns?.['ls'] ?? null;
    } catch {
      // reported as missing
    }
  }
  const variants = [...o.variants];
  const calibrate = new Set(o.calibrate ?? []);
  for (const v of o.variants) {
    if (!calibrate.has(v.name)) continue;
    variants.push({ name: `${v.name} + calibrated wake-up`, description: `${v.description}; wake-up costs from the traced cells' ` +
      `probe p50 wake-to-run`, args: v.args });
  }
  for (const v of variants) {
    const calibrated = v.name.endsWith(' + calibrated wake-up');
    if (calibrated) {
      const def = result.recordedProbe?.p50;
      const slo = result.recordedSloProbe?.p50;
      if (def == null || slo == null) continue;
      result.calibration = calibratedWakeup(def, slo);
    }
    const extra = calibrated && result.calibration ? [...v.args, ...calibratedWakeupArgs(result.calibration)] : v.args;
    const args = ['--trace', o.rewrittenFile, '--format', 'ftrace', ...GROUP_ARGS(o.slos), '--policy', 'edf,fair,eevdf', ...extra];
    const variant: FidelityVariant = {
      name: v.name, description: v.description, args: extra, edf: null, fair: null, eevdf: null, simRatio: null, deviation: null,
      withinTarget: false, simRatioEevdf: null, deviationEevdf: null, withinTargetEevdf: false, deviationEevdfRecorded: null,
      edfTotals: null, batchShareEdf: null, batchShareFair: null,
    };
    try {
      const doc = (await runSim(o.cli, args)) as SimDoc;
      result.recordedProbe ??= doc.scenario.recorded_wake_latency_ns?.['ls'] ?? null;
      if (result.groups.length === 0) {
        const fairGroups = doc.policies['fair']?.groups ?? {};
        result.groups = doc.scenario.groups.map((g) => ({ name: g.name, kind: g.kind, tasks: fairGroups[g.name]?.tasks ?? 0 }));
      }
      variant.edf = doc.policies['edf']?.groups['ls']?.wake_latency_ns ?? null;
      variant.fair = doc.policies['fair']?.groups['ls']?.wake_latency_ns ?? null;
      variant.eevdf = doc.policies['eevdf']?.groups['ls']?.wake_latency_ns ?? null;
      variant.edfTotals = doc.policies['edf']?.totals ?? null;
      variant.batchShareEdf = doc.policies['edf']?.groups['batch']?.batch?.share_of_remaining ?? null;
      variant.batchShareFair = doc.policies['fair']?.groups['batch']?.batch?.share_of_remaining ?? null;
      if (variant.edf?.p99 != null && variant.fair?.p99) variant.simRatio = variant.edf.p99 / variant.fair.p99;
      if (variant.edf?.p99 != null && variant.eevdf?.p99) variant.simRatioEevdf = variant.edf.p99 / variant.eevdf.p99;
      if (variant.simRatio !== null && measuredRatio) {
        variant.deviation = Math.abs(variant.simRatio / measuredRatio - 1);
        variant.withinTarget = variant.deviation <= FIDELITY_TARGET;
      }
      if (variant.simRatioEevdf !== null && measuredRatio) {
        variant.deviationEevdf = Math.abs(variant.simRatioEevdf / measuredRatio - 1);
        variant.withinTargetEevdf = variant.deviationEevdf <= FIDELITY_TARGET;
      }
    } catch (err) {
      variant.error = (err as Error).message;
    }
    result.variants.push(variant);
  }
  if (result.recordedSloProbe?.p99 != null && result.recordedProbe?.p99) result.recordedRatio = result.recordedSloProbe.p99 / result.recordedProbe.p99;
  const recordedRatio = result.recordedRatio;
  if (recordedRatio) {
    for (const v of result.variants) if (v.simRatioEevdf !== null) v.deviationEevdfRecorded = Math.abs(v.simRatioEevdf / recordedRatio - 1);
  }
  return result;
}

// ---- the service scenario: the simulator's `scx-slo sim --scenario service` ----------

/** The service scenario's fidelity: the simulated edf/eevdf p99 ratio and within-budget share beside the measured ones. */
export interface ServiceFidelity {
  /** False when the simulator has no `service` scenario (then `reason` says so). */
  available: boolean;
  reason: string | null;
  /** The simulator's arguments. */
  args: string[];
  /** The service group's request latency (or wake latency) under sim edf and eevdf. */
  simEdf: LatencySummary | null;
  simEevdf: LatencySummary | null;
  /** sim edf p99 / sim eevdf p99. */
  simRatio: number | null;
  /** measured slo-edf p99 / default p99. */
  measuredRatio: number | null;
  ratioDeviation: number | null;
  ratioMet: boolean | null;
  /** Share of the service's requests within its budget under sim edf (from its `within_budget` field, or null). */
  simWithinBudget: number | null;
  measuredWithinBudget: number | null;
  withinDeviation: number | null;
  withinMet: boolean | null;
  target: number;
}

type ServiceGroup = {
  request_latency_ns?: LatencySummary;
  wake_latency_ns?: LatencySummary;
  /** sim/JSON_OUTPUT.md: `requests.within_budget` is the share answered within the SLO budget. */
  requests?: { completed: number; unfinished: number; within_budget?: number | null };
};

/** The service group of a sim policy result: `service` by name, else the first service-kind group. */
function serviceGroup(policy: { groups: Record<string, ServiceGroup & { kind?: string }> } | undefined): ServiceGroup | null {
  if (!policy) return null;
  return policy.groups['service'] ?? Object.values(policy.groups).find((g) => g.kind === 'service') ?? null;
}

/**
 * Runs `scx-slo sim --scenario service --cpus 2 --policy edf,eevdf --json` and compares
 * it with the measured service scenario. A simulator without that scenario gives
 * `available: false` and the simulator's own words, not an error.
 */
export async function runServiceFidelity(o: { cli: string; measuredEdfP99Ns: number | null; measuredDefaultP99Ns: number | null;
  measuredEdfWithinBudget: number | null; durationMs: number }): Promise<ServiceFidelity> {
  // The agent the demo measured runs tasks whose deadline is closer than its lag bound
  // straight in the kernel (--urgent-below-ms defaults to the lag): the sim does the same.
  const urgentUs = String(RECOMMENDED_AGENT.lagMs * 1000);
  const args = ['--scenario', 'service', '--cpus', '2', '--duration-ms', String(o.durationMs), '--policy', 'edf,eevdf', '--urgent-below-us', urgentUs];
  const measuredRatio = o.measuredEdfP99Ns !== null && o.measuredDefaultP99Ns ? o.measuredEdfP99Ns / o.measuredDefaultP99Ns : null;
  const out: ServiceFidelity = {
    available: false, reason: null, args, simEdf: null, simEevdf: null, simRatio: null, measuredRatio, ratioDeviation: null, ratioMet: null,
    simWithinBudget: null, measuredWithinBudget: o.measuredEdfWithinBudget, withinDeviation: null, withinMet: null, target: FIDELITY_TARGET,
  };
  let doc: SimDoc;
  try {
    doc = (await runSim(o.cli, args)) as SimDoc;
  } catch (err) {
    const msg = (err as Error).message;
    out.reason = /unknown scenario/i.test(msg) ? `the simulator has no service scenario on this build (${msg})` : msg;
    return out;
  }
  out.available = true;
  const policies = doc.policies as unknown as Record<string, { groups: Record<string, ServiceGroup & { kind?: string }> }>;
  const edf = serviceGroup(policies['edf']);
  const eevdf = serviceGroup(policies['eevdf']);
  out.simEdf = edf?.request_latency_ns ?? edf?.wake_latency_ns ?? null;
  out.simEevdf = eevdf?.request_latency_ns ?? eevdf?.wake_latency_ns ?? null;
  if (out.simEdf?.p99 != null && out.simEevdf?.p99) out.simRatio = out.simEdf.p99 / out.simEevdf.p99;
  if (out.simRatio !== null && measuredRatio) {
    out.ratioDeviation = Math.abs(out.simRatio / measuredRatio - 1);
    out.ratioMet = out.ratioDeviation <= FIDELITY_TARGET;
  }
  out.simWithinBudget = typeof edf?.requests?.within_budget === 'number' ? edf.requests.within_budget : null;
  if (out.simWithinBudget !== null && o.measuredEdfWithinBudget) {
    out.withinDeviation = Math.abs(out.simWithinBudget / o.measuredEdfWithinBudget - 1);
    out.withinMet = out.withinDeviation <= FIDELITY_TARGET;
  }
  if (!out.simEdf || !out.simEevdf) out.reason = 'the simulator\'s service scenario has no group named service (or no eevdf baseline) in its JSON';
  else if (out.simWithinBudget === null) out.reason = 'the simulator\'s JSON gives no within-budget share for the service group';
  return out;
}
