// The head-to-head's raw results file (raw.json), written cell by cell by the runner in
// the guest (guest-run.ts) and read by the report on the host (report.ts); and the
// schedulers it compares. Version 2 added the scenarios (scenarios.ts): a cell without
// `scenario` is a `probe` cell (version 1 had only that one). Later optional fields
// (a cell's `loop` and `agentThreads`, the variant rows' settings) are absent from older
// files, which still summarize.
import { basename } from 'node:path';
import type { AgentSettings } from './agent-settings.js';
import type { ScenarioLayout, ScenarioName } from './scenarios.js';

export const SCHEDULERS = {
  default: { label: 'kernel default (EEVDF)', slo: false, peer: false },
  'default-tuned': { label: 'kernel default, ls cpu.weight 10000 (hand-tuned)', slo: false, peer: false },
  'slo-edf': { label: 'scx-slo edf', slo: true, peer: false },
  'slo-edf-inline': { label: 'scx-slo edf, policy inline (--workers 0)', slo: true, peer: false },
  'slo-edf-alt': { label: 'scx-slo edf, variant (--alt-bpf-object, --alt-agent-args)', slo: true, peer: false },
  'slo-edf-alt2': { label: 'scx-slo edf, second variant (--alt2-bpf-object, --alt2-agent-args)', slo: true, peer: false },
  'slo-fallback': { label: 'scx-slo, agent SIGSTOPped (in-kernel EDF)', slo: true, peer: false },
  'slo-fair': { label: 'scx-slo fair (userspace)', slo: true, peer: false },
  scx_simple: { label: 'scx_simple (kernel example)', slo: false, peer: true },
  scx_flatcg: { label: 'scx_flatcg (kernel example)', slo: false, peer: true },
} as const;

export type SchedulerName = keyof typeof SCHEDULERS;

export function isSchedulerName(s: string): s is SchedulerName {
  return Object.hasOwn(SCHEDULERS, s);
}

/** The probe's saved output (zero histogram buckets dropped). */
export interface RawProbe {
  /** cyclictest's histogram file (non-zero buckets and the closing comments). */
  histogramText: string;
  /** cyclictest's closing `T:` line. */
  summaryLine: string;
  /** The -h range in us. */
  rangeUs: number;
  pid: number;
  /** Thread ids of the cyclictest process (main and measurement thread). */
  tids: number[];
}

export interface RawCell {
  round: number;
  /** The scenario (absent: `probe`, the only one of version 1). */
  scenario?: ScenarioName;
  scheduler: SchedulerName;
  /** ISO time in the guest when the probe started. */
  startedAt: string;
  /** Probe duration, s (cyclictest -D). */
  probeSeconds: number;
  /** sched_ext state and ops at the end of the probe. */
  schedExt: { state: string | null; ops: string | null };
  probe: RawProbe | null;
  /** service scenario: slo-service's output (service-output.ts), or null when it failed. */
  serviceText?: string | null;
  /** stress-ng --metrics-brief output lines, or null when it failed. */
  batchText: string | null;
  /** scx-slo cells: status counters over the cell (after - before). */
  counters?: Record<string, number>;
  /**
   * scx-slo cells: the agent's delegation loop over the cell (its status `loop` counters,
   * after - before, the same two status answers as `counters`) and the wall time between
   * those answers, s (a little longer than the probe: it includes the batch's start).
   */
  loop?: { rounds: number; busyRounds: number; records: number; wallS: number };
  /**
   * scx-slo cells: the agent's threads' CPU time over the probe (the interval of `cpu`), s,
   * most first (thread-cpu.ts). A thread started during the cell counts from 0; one that
   * ended during it is missing (its time is in cpu.agentS only).
   */
  agentThreads?: Array<{ tid: number; comm: string; cpuSeconds: number }>;
  /** scx-slo cells: the kernel's decision-lag histogram over the cell (log2 us buckets). */
  lagHistogram?: number[];
  /** scx-slo cells: the kernel's per-SLO-cgroup accounting over the cell, by cgroup name. */
  cgroups?: Record<string, { runs: number; misses: number; waitNsSum: number }>;
  /** ISO time in the guest when the probe ended. */
  endedAt?: string;
  /**
   * CPU time over the probe, s: the guest's busy and idle time (all CPUs, /proc/stat),
   * the ls and batch cgroups (cpu.stat usage_usec) and the scx-slo agent process.
   */
  cpu?: { wallS: number; busyS: number; idleS: number; lsS: number; batchS: number; agentS: number | null };
  /** Set when the scheduler under test was not in place for the whole probe (ejected, ...): the cell is left out. */
  invalid?: string;
  /** What the counter deltas cover beyond the probe, if anything. */
  countersNote?: string;
  notes: string[];
}

export interface RawTrace {
  /** trace-cmd report text, relative to the raw results directory. */
  file: string;
  /** The scenario of the traced cell (absent: `probe`). */
  scenario?: ScenarioName;
  /** The command name of the latency-sensitive workload's threads (cyclictest, slo-service). */
  lsComm?: string;
  /** The latency-sensitive workload's process id (its threads share it as tgid). */
  lsPid?: number;
  seconds: number;
  scheduler?: SchedulerName;
  /** The agent's process id when scx-slo ran (its threads show up as `node`). */
  agentPid?: number | null;
  /** The probe's process id (its main thread) and its measurement thread(s). */
  probePid: number;
  probeTids: number[];
  probe: RawProbe | null;
  /** scx-slo: status counters over the traced cell. */
  counters?: Record<string, number>;
}

export interface RawRun {
  format: 'scx-slo-demo-raw';
  version: 1 | 2;
  startedAt: string;
  finishedAt: string | null;
  kernel: string;
  cpus: number;
  config: {
    rounds: number;
    probeSeconds: number;
    schedulers: SchedulerName[];
    lagMs: number;
    stallMs: number;
    heartbeatMs: number;
    workers: number;
    stressors: number;
    stressMethod: string;
    probeIntervalUs: number;
    histogramRangeUs: number;
    slos: Record<string, { budgetMs: number; importance: number }>;
    bpfObject: string;
    /** The BPF object of the slo-edf-alt cells, if any. */
    altBpfObject?: string;
    /** Extra `scx-slo run` arguments of the slo-edf-alt cells (after the agent settings'), if any. */
    altAgentArgs?: string[];
    /** The BPF object of the slo-edf-alt2 cells, if any. */
    alt2BpfObject?: string;
    /** Extra `scx-slo run` arguments of the slo-edf-alt2 cells, if any. */
    alt2AgentArgs?: string[];
    /** Version 2: the scenarios measured, in order, with their cgroup layouts and SLOs. */
    scenarios?: ScenarioLayout[];
    /** Version 2: the agent settings of the scx-slo rows (agent-settings.ts). */
    agent?: AgentSettings;
  };
  /** The probe alone under the default scheduler: the machine's wake-up floor. */
  idle: RawCell | null;
  /** Version 2: each scenario's ls workload alone under the default scheduler. */
  idles?: RawCell[];
  cells: RawCell[];
  /** A traced default-scheduler cell: the simulator's input. */
  trace: RawTrace | null;
  /** A traced scx-slo edf cell, for diagnosis (also in `traces`). */
  traceSlo?: RawTrace | null;
  /** Every traced cell other than the default scheduler's. */
  traces?: RawTrace[];
  /** Progress and problems, in order. */
  log: string[];
}

/** Extra `scx-slo run` arguments as given in one string (--alt-agent-args): split on whitespace. */
export function splitAgentArgs(text: string | undefined): string[] {
  return (text ?? '').trim().split(/\s+/).filter(Boolean);
}

/** How a variant row's agent differs from slo-edf's. */
export interface RowVariant {
  /** Extra `scx-slo run` arguments, after the agent settings' (a repeated option's last value wins). */
  agentArgs: string[];
  /** Its BPF object (undefined: the run's own). */
  bpfObject: string | undefined;
}

/** The variant of row `s` as the run's config records it (slo-edf-alt, slo-edf-alt2), or null for every other row. */
export function rowVariant(config: RawRun['config'], s: SchedulerName): RowVariant | null {
  if (s === 'slo-edf-alt') return { agentArgs: config.altAgentArgs ?? [], bpfObject: config.altBpfObject };
  if (s === 'slo-edf-alt2') return { agentArgs: config.alt2AgentArgs ?? [], bpfObject: config.alt2BpfObject };
  return null;
}

/** What a variant row runs, one phrase: its agent arguments and BPF object, or that it equals slo-edf. */
export function variantText(v: RowVariant): string {
  const parts: string[] = [];
  if (v.agentArgs.length > 0) parts.push(`agent args ${v.agentArgs.join(' ')}`);
  if (v.bpfObject !== undefined) parts.push(`BPF object ${basename(v.bpfObject)}`);
  return parts.length > 0 ? parts.join('; ') : 'no args or object given: the same as slo-edf';
}

/** Row `s`'s label, the variant rows' naming their arguments and object. */
export function rowLabel(config: RawRun['config'], s: SchedulerName): string {
  const v = rowVariant(config, s);
  if (!v) return SCHEDULERS[s].label;
  return `${s === 'slo-edf-alt' ? 'scx-slo edf, variant' : 'scx-slo edf, second variant'} (${variantText(v)})`;
}

/** The scenario of a cell or trace (version 1 files hold only `probe`). */
export function scenarioOf(x: { scenario?: ScenarioName }): ScenarioName {
  return x.scenario ?? 'probe';
}

/** The ls SLO's deadline delay: budget * (101 - importance) / 100, ns. */
export function deadlineDelayNs(slo: { budgetMs: number; importance: number }): number {
  const imp = Math.min(100, Math.max(1, Math.round(slo.importance)));
  return Math.round((slo.budgetMs * 1e6 * (101 - imp)) / 100);
}
