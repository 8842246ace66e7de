// Simulator fidelity: replays the scheduler trace recorded in the guest (trace-cmd, a
// default-scheduler cell) through the simulator (`scx-slo sim --trace ... --json`, the
// stable JSON interface of sim/JSON_OUTPUT.md) under edf and fair, and sets the
// simulated ratio edf / fair of the probe's p99 wake-up latency beside the measured
// ratio scx-slo edf / kernel default. The sim's fair stands in for the kernel default.
//
// The probe is cyclictest's measurement thread. Its main thread has the same command
// name, so the trace is rewritten first to give the main thread (pid = the process id)
// the comm `ctmain`: it is replayed as its own group with the same SLO and left out of
// the comparison.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { LatencySummaryJson } from '../../sim/result-json.js';

/** One latency distribution as the simulator's --json writes it (sim/JSON_OUTPUT.md). */
export type LatencySummary = LatencySummaryJson;

export interface FidelityVariant {
  name: string;
  description: string;
  args: string[];
  edf: LatencySummary | null;
  fair: LatencySummary | null;
  /** edf p99 / fair p99 in the replay. */
  simRatio: number | null;
  /** |simRatio / measuredRatio - 1|. */
  deviation: number | null;
  withinTarget: boolean;
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
  target: number;
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
        reject(new Error(`scx-slo sim failed: ${String(stderr).trim().split('\n').slice(-3).join(' | ') || err.message}`));
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
  policies: Record<string, { totals: Record<string, number>; groups: Record<string, { tasks: number; kind: string; wake_latency_ns: LatencySummary; batch?: { share_of_remaining: number | null } }> }>;
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
    target: FIDELITY_TARGET,
  };
  for (const v of o.variants) {
    const args = ['--trace', o.rewrittenFile, '--format', 'ftrace', ...GROUP_ARGS(o.slos), '--policy', 'edf,fair', ...v.args];
    const variant: FidelityVariant = {
      name: v.name, description: v.description, args: v.args, edf: null, fair: null, simRatio: null, deviation: null,
      withinTarget: false, edfTotals: null, batchShareEdf: null, batchShareFair: null,
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
      variant.edfTotals = doc.policies['edf']?.totals ?? null;
      variant.batchShareEdf = doc.policies['edf']?.groups['batch']?.batch?.share_of_remaining ?? null;
      variant.batchShareFair = doc.policies['fair']?.groups['batch']?.batch?.share_of_remaining ?? null;
      if (variant.edf?.p99 != null && variant.fair?.p99) variant.simRatio = variant.edf.p99 / variant.fair.p99;
      if (variant.simRatio !== null && measuredRatio) {
        variant.deviation = Math.abs(variant.simRatio / measuredRatio - 1);
        variant.withinTarget = variant.deviation <= FIDELITY_TARGET;
      }
    } catch (err) {
      variant.error = (err as Error).message;
    }
    result.variants.push(variant);
  }
  if (o.sloTrace) {
    try {
      writeFileSync(o.sloTrace.rewrittenFile, renameProbeMainThread(readFileSync(o.sloTrace.file, 'utf8'), o.sloTrace.probePid));
      const doc = (await runSim(o.cli, ['--trace', o.sloTrace.rewrittenFile, '--format', 'ftrace', ...GROUP_ARGS(o.slos), '--policy', 'edf'])) as SimDoc;
      result.recordedSloProbe = doc.scenario.recorded_wake_latency_ns?.['ls'] ?? null;
    } catch {
      // reported as missing
    }
  }
  if (result.recordedSloProbe?.p99 != null && result.recordedProbe?.p99) result.recordedRatio = result.recordedSloProbe.p99 / result.recordedProbe.p99;
  return result;
}
