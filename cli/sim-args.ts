// Parses the arguments of `scx-slo sim` and `scx-slo sim import` into a typed request,
// rejecting anything unknown or out of range with a UsageError that names the option.
import { parseArgs } from 'node:util';
import { UsageError } from './command.js';
import { DEFAULT_IMPORTANCE, MAX_BUDGET_NS } from '../policy/api.js';
import { parseDuration } from '../sim/format-duration.js';
import { TRACE_FILE_FORMATS, type TraceFileFormat } from '../sim/import/trace-file.js';
import type { GroupRule } from '../sim/import/sched-to-workload.js';
import { SCENARIOS } from '../sim/scenarios/index.js';
import { DEFAULT_MODEL, type SimModel } from '../sim/sim-model.js';
import type { GroupKind } from '../sim/trace-format.js';

export const DEFAULT_POLICIES = ['edf', 'fair', 'fifo'];
export const DEFAULT_SCENARIO_DURATION_MS = 10_000;
export const DEFAULT_SEED = 1;

export interface KernelTraceArgs {
  format: TraceFileFormat | undefined;
  groups: GroupRule[];
  slos: Map<string, { budgetNs: number; importance: number }>;
  kinds: Map<string, GroupKind>;
}

export interface ReplayArgs extends KernelTraceArgs {
  command: 'replay';
  scenario: string | undefined;
  trace: string | undefined;
  policies: string[];
  policyOptions: Record<string, string>;
  cpus: number | undefined;
  durationNs: number | undefined;
  seed: number;
  json: boolean;
  plot: string | undefined;
  outTrace: string | undefined;
  progress: boolean | undefined;
  /** The model's settings from the command line (cpus and duration are fixed later). */
  model: Omit<SimModel, 'cpus' | 'durationNs'>;
}

export interface ImportArgs extends KernelTraceArgs {
  command: 'import';
  file: string;
  out: string;
  cpus: number | undefined;
}

const OPTIONS = {
  scenario: { type: 'string' },
  trace: { type: 'string' },
  policy: { type: 'string', multiple: true },
  'policy-opt': { type: 'string', multiple: true },
  cpus: { type: 'string' },
  'duration-ms': { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  plot: { type: 'string' },
  'out-trace': { type: 'string' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  format: { type: 'string' },
  group: { type: 'string', multiple: true },
  slo: { type: 'string', multiple: true },
  kind: { type: 'string', multiple: true },
  out: { type: 'string' },
  'context-switch-us': { type: 'string' },
  'slice-us': { type: 'string' },
  'urgent-below-us': { type: 'string' },
  'direct-max-us': { type: 'string' },
  'dispatch-batch': { type: 'string' },
  'agent-lag-us': { type: 'string' },
  'agent-cpu-us-per-record': { type: 'string' },
  'agent-deadline-us': { type: 'string' },
  'preempt-renews-deadline': { type: 'boolean' },
  'tick-us': { type: 'string' },
  'wakeup-us': { type: 'string' },
  'baseline-wakeup-us': { type: 'string' },
  'eevdf-flat': { type: 'boolean' },
  'baseline-cpu-weight': { type: 'string', multiple: true },
} as const;

function number(option: string, raw: string | undefined, lo: number, hi: number, integer: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
    throw new UsageError(`--${option}: expected ${integer ? 'an integer' : 'a number'} in ${lo}..${hi}, got ${JSON.stringify(raw)}`);
  }
  return v;
}

function usNs(option: string, raw: string | undefined, lo: number, hi: number, fallbackNs: number): number {
  const us = number(option, raw, lo, hi, false);
  return us === undefined ? fallbackNs : Math.round(us * 1000);
}

function keyValue(option: string, raw: string): [string, string] {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new UsageError(`--${option}: expected NAME=VALUE, got ${JSON.stringify(raw)}`);
  return [raw.slice(0, eq), raw.slice(eq + 1)];
}

/** `--baseline-cpu-weight GROUP=W`, repeatable: cpu.weight overrides for the eevdf baseline. */
function baselineCpuWeights(raws: readonly string[] | undefined): Record<string, number> | undefined {
  if (raws === undefined || raws.length === 0) return undefined;
  const weights: Record<string, number> = {};
  for (const raw of raws) {
    const [name, text] = keyValue('baseline-cpu-weight', raw);
    const weight = Number(text);
    if (text.trim() === '' || !Number.isInteger(weight) || weight < 1 || weight > 10_000) {
      throw new UsageError(`--baseline-cpu-weight ${name}: cpu.weight must be an integer in 1..10000, got ${JSON.stringify(text)}`);
    }
    if (name in weights) throw new UsageError(`--baseline-cpu-weight: group ${JSON.stringify(name)} given twice`);
    weights[name] = weight;
  }
  return weights;
}

function kernelTraceArgs(values: Record<string, unknown>): KernelTraceArgs {
  const format = values['format'] as string | undefined;
  if (format !== undefined && !(TRACE_FILE_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format: expected one of ${TRACE_FILE_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  const groups: GroupRule[] = [];
  for (const raw of (values['group'] as string[] | undefined) ?? []) {
    const [name, source] = keyValue('group', raw);
    let pattern: RegExp;
    try {
      pattern = new RegExp(source);
    } catch (err) {
      throw new UsageError(`--group ${name}: bad regular expression ${JSON.stringify(source)}: ${(err as Error).message}`);
    }
    if (groups.some((g) => g.name === name)) throw new UsageError(`--group: group ${JSON.stringify(name)} given twice`);
    groups.push({ name, pattern });
  }
  const slos = new Map<string, { budgetNs: number; importance: number }>();
  for (const raw of (values['slo'] as string[] | undefined) ?? []) {
    const [name, spec] = keyValue('slo', raw);
    const [budgetText, importanceText] = spec.split(':');
    let budgetNs: number;
    try {
      budgetNs = parseDuration(budgetText ?? '', 'ms');
    } catch (err) {
      throw new UsageError(`--slo ${name}: budget: ${(err as Error).message}`);
    }
    if (budgetNs < 1 || budgetNs > MAX_BUDGET_NS) throw new UsageError(`--slo ${name}: budget must be within 1ns..1h, got ${JSON.stringify(budgetText)}`);
    const importance = importanceText === undefined ? DEFAULT_IMPORTANCE : Number(importanceText);
    if (!Number.isInteger(importance) || importance < 1 || importance > 100) {
      throw new UsageError(`--slo ${name}: importance must be an integer in 1..100, got ${JSON.stringify(importanceText)}`);
    }
    slos.set(name, { budgetNs, importance });
  }
  const kinds = new Map<string, GroupKind>();
  for (const raw of (values['kind'] as string[] | undefined) ?? []) {
    const [name, kind] = keyValue('kind', raw);
    if (kind !== 'service' && kind !== 'batch') throw new UsageError(`--kind ${name}: expected service or batch, got ${JSON.stringify(kind)}`);
    kinds.set(name, kind);
  }
  return { format: format as TraceFileFormat | undefined, groups, slos, kinds };
}

function withBaselineCpuWeights(weights: Record<string, number> | undefined): { baselineCpuWeights?: Record<string, number> } {
  return weights === undefined ? {} : { baselineCpuWeights: weights };
}

export function parseSimArgs(argv: string[]): ReplayArgs | ImportArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const cpus = number('cpus', values.cpus, 1, 4096, true);
  if (positionals[0] === 'import') {
    if (positionals.length !== 2) throw new UsageError('import: expected exactly one FILE to convert');
    if (values.out === undefined) throw new UsageError('import: --out TRACE.jsonl is required');
    return { command: 'import', file: positionals[1]!, out: values.out, cpus, ...kernelTraceArgs(values) };
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if ((values.scenario === undefined) === (values.trace === undefined)) throw new UsageError('give exactly one of --scenario NAME or --trace FILE');
  if (values.scenario !== undefined && !SCENARIOS.has(values.scenario)) {
    throw new UsageError(`--scenario: unknown scenario ${JSON.stringify(values.scenario)} (known: ${[...SCENARIOS.keys()].join(', ')})`);
  }
  if (values.out !== undefined) throw new UsageError('--out belongs to `sim import`; use --out-trace to save a replayed workload');
  const policies = (values.policy ?? [DEFAULT_POLICIES.join(',')]).flatMap((p) => p.split(',')).map((p) => p.trim()).filter((p) => p !== '');
  if (policies.length === 0) throw new UsageError('--policy: no policy given');
  const policyOptions: Record<string, string> = {};
  for (const raw of values['policy-opt'] ?? []) {
    const [k, v] = keyValue('policy-opt', raw);
    policyOptions[k] = v;
  }
  const durationMs = number('duration-ms', values['duration-ms'], 0.001, 1e9, false);
  if (values.progress && values['no-progress']) throw new UsageError('--progress and --no-progress contradict each other');
  const urgent = urgentBelowFlag(values['urgent-below-us'], values['direct-max-us']);
  return {
    command: 'replay',
    scenario: values.scenario,
    trace: values.trace,
    policies,
    policyOptions,
    cpus,
    durationNs: durationMs === undefined ? undefined : Math.round(durationMs * 1e6),
    seed: number('seed', values.seed, 0, Number.MAX_SAFE_INTEGER, true) ?? DEFAULT_SEED,
    json: values.json ?? false,
    plot: values.plot,
    outTrace: values['out-trace'],
    progress: values.progress ? true : values['no-progress'] ? false : undefined,
    model: {
      contextSwitchNs: usNs('context-switch-us', values['context-switch-us'], 0, 1e6, DEFAULT_MODEL.contextSwitchNs),
      sliceNs: usNs('slice-us', values['slice-us'], 1, 1e7, DEFAULT_MODEL.sliceNs),
      directMaxNs: usNs(urgent.flag, urgent.value, 0, 3.6e9, DEFAULT_MODEL.directMaxNs),
      dispatchBatch: number('dispatch-batch', values['dispatch-batch'], 1, 4096, true) ?? DEFAULT_MODEL.dispatchBatch,
      agentLagNs: usNs('agent-lag-us', values['agent-lag-us'], 0, 1e7, DEFAULT_MODEL.agentLagNs),
      agentCpuNsPerRecord: usNs('agent-cpu-us-per-record', values['agent-cpu-us-per-record'], 0, 1e6, DEFAULT_MODEL.agentCpuNsPerRecord),
      agentDeadlineNs: usNs('agent-deadline-us', values['agent-deadline-us'], 0.001, 1e7, DEFAULT_MODEL.agentDeadlineNs),
      preemptKeepsDeadline: values['preempt-renews-deadline'] === true ? false : DEFAULT_MODEL.preemptKeepsDeadline,
      tickNs: usNs('tick-us', values['tick-us'], 0, 1e6, DEFAULT_MODEL.tickNs),
      wakeupNs: usNs('wakeup-us', values['wakeup-us'], 0, 1e6, DEFAULT_MODEL.wakeupNs),
      baselineWakeupNs: usNs('baseline-wakeup-us', values['baseline-wakeup-us'], 0, 1e6, DEFAULT_MODEL.baselineWakeupNs),
      baselineCgroups: values['eevdf-flat'] === true ? false : DEFAULT_MODEL.baselineCgroups,
      ...withBaselineCpuWeights(baselineCpuWeights(values['baseline-cpu-weight'])),
    },
    ...kernelTraceArgs(values),
  };
}

/**
 * --urgent-below-us, or its deprecated old name --direct-max-us (accepted with a warning
 * on stderr): which flag was given and its value.
 */
function urgentBelowFlag(value: string | undefined, oldValue: string | undefined): { flag: string; value: string | undefined } {
  if (oldValue === undefined) return { flag: 'urgent-below-us', value };
  if (value !== undefined) throw new UsageError('--direct-max-us is the old name of --urgent-below-us: give only one');
  console.error('warning: --direct-max-us is deprecated, use --urgent-below-us (same meaning)');
  return { flag: 'direct-max-us', value: oldValue };
}
