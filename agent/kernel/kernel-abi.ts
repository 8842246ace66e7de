// The TypeScript mirror of bpf/scx_slo.h, and the only TypeScript module that knows its
// layouts: every shared struct declared field by field in C order (offsets and size
// follow from C's natural alignment), typed codecs between those bytes and the agent's
// objects, and the constants. agent/kernel/test/kernel-abi.test.ts compiles the header
// and checks every struct's size, every field's offset and size, and every constant.
// Constants a policy needs (defaults, task flags) are defined in policy/api.ts, since
// policies may import nothing outside policy/, and listed here for that check.

import {
  DEFAULT_BUDGET_NS, DEFAULT_IMPORTANCE, DEFAULT_SLICE_NS, MIN_SLICE_NS, TaskFlags,
  type Decision, type SloEntry, type TaskRecord,
} from '../../policy/api.js';
import type { CgroupSloStats } from './scheduler-stats.js';

export const SLO_ABI_VERSION = 3;

/** The longest slice a decision may ask for (the kernel cuts longer ones). */
export const SLO_MAX_SLICE_NS = 1_000_000_000;

/** CPUs the BPF scheduler handles; the agent refuses to attach on a machine with more. */
export const SLO_MAX_CPUS = 1024;

export const SloDsq = { EDF: 0, USER: 1, PENDING: 2 } as const;

/** enum slo_msg_kind: the first u32 of every record on tasks_rb. */
export const SloMsgKind = { TASK: 1, EXIT: 2 } as const;

export const SLO_LAG_BUCKETS = 24;

/** Buckets of struct slo_rqlat_hist: [i] counts waits in [2^(i-1), 2^i) us, [0] < 1 us, the last also longer. */
export const SLO_RQLAT_BUCKETS = 24;

// ---- layouts -------------------------------------------------------------------------

/** C field types used in the header: fixed-width integers and arrays of them. */
type CType = 'u32' | 's32' | 'u64' | 's64' | 'char';

const C_BYTES: Record<CType, number> = { u32: 4, s32: 4, u64: 8, s64: 8, char: 1 };

/** One field as declared: name, element type, array length (1 = not an array). */
type FieldDecl<F extends string> = readonly [name: F, type: CType, length?: number];

/** A field's place in its struct, for the header test. */
export interface FieldLayout {
  name: string;
  offset: number;
  bytes: number;
}

/** A struct's layout: its size and each field's offset by name (typed: no string lookups). */
export interface StructLayout<F extends string> {
  /** The C struct name (without `struct`). */
  readonly cName: string;
  readonly size: number;
  readonly offset: Readonly<Record<F, number>>;
  readonly fields: readonly FieldLayout[];
}

/** Lays out fields in C order with natural alignment, as the compiler does. */
function struct<const F extends string>(cName: string, decls: readonly FieldDecl<F>[]): StructLayout<F> {
  let at = 0;
  let maxAlign = 1;
  const offset = {} as Record<F, number>;
  const fields: FieldLayout[] = [];
  for (const [name, type, length = 1] of decls) {
    const align = C_BYTES[type];
    at = Math.ceil(at / align) * align;
    offset[name] = at;
    fields.push({ name, offset: at, bytes: align * length });
    at += align * length;
    maxAlign = Math.max(maxAlign, align);
  }
  return { cName, size: Math.ceil(at / maxAlign) * maxAlign, offset, fields };
}

export const SLO_TASK_MSG = struct('slo_task_msg', [
  ['kind', 'u32'], ['pid', 'u32'], ['tgid', 'u32'], ['prev_cpu', 's32'], ['cgroup_id', 'u64'], ['slo_cgroup_id', 'u64'],
  ['enq_ns', 'u64'], ['runtime_ns', 'u64'], ['seq', 'u64'], ['deadline_ns', 'u64'], ['weight', 'u32'], ['flags', 'u32'],
]);

export const SLO_EXIT_MSG = struct('slo_exit_msg', [['kind', 'u32'], ['pid', 'u32']]);

export const SLO_DECISION_MSG = struct('slo_decision_msg', [
  ['pid', 'u32'], ['__pad', 'u32'], ['seq', 'u64'], ['vtime', 'u64'], ['slice_ns', 'u64'],
]);

export const SLO_CFG = struct('slo_cfg', [['budget_ns', 'u64'], ['importance', 'u32'], ['flags', 'u32']]);

export const SLO_CTL = struct('slo_ctl', [
  ['heartbeat_ns', 'u64'], ['lag_ns', 'u64'], ['stall_ns', 'u64'], ['slice_ns', 'u64'], ['urgent_max_ns', 'u64'],
  ['default_budget_ns', 'u64'], ['default_importance', 'u32'], ['agent_tgid', 'u32'], ['cfg_gen', 'u32'],
  ['miss_events_per_sec', 'u32'], ['wake_batch', 'u32'], ['__pad', 'u32'], ['wake_after_ns', 'u64'],
]);

/** The u64 counters of struct slo_cpu_stats, in C order (lag_hist follows them). */
export const CPU_STATS_COUNTERS = [
  'enqueued',
  'to_user',
  'user_dispatched',
  'direct',
  'fallback_lag',
  'fallback_ringfull',
  'fallback_stalled',
  'fallback_idle',
  'stale_decisions',
  'bad_decisions',
  'deadline_misses',
  'miss_events_dropped',
  'preemptions',
  'exits_to_user',
  'exits_dropped',
  'scan_cutoffs',
  'agent_wakeups',
] as const;
export type CpuStatsCounter = (typeof CPU_STATS_COUNTERS)[number];

export const SLO_CPU_STATS = struct<CpuStatsCounter | 'lag_hist'>('slo_cpu_stats', [
  ...CPU_STATS_COUNTERS.map((name) => [name, 'u64'] as const),
  ['lag_hist', 'u64', SLO_LAG_BUCKETS],
]);

export const SLO_MISS_EVENT = struct('slo_miss_event', [
  ['slo_cgroup_id', 'u64'], ['deadline_ns', 'u64'], ['lateness_ns', 'u64'], ['pid', 'u32'], ['cpu', 'u32'],
]);

export const SLO_CG_STATS = struct('slo_cg_stats', [
  ['runs', 'u64'], ['misses', 'u64'], ['last_run_ns', 'u64'], ['last_miss_ns', 'u64'], ['last_slack_ns', 's64'],
  ['wait_ns_sum', 'u64'],
]);

export const SLO_EXIT_INFO = struct('slo_exit_info', [
  ['kind', 's32'], ['__pad', 'u32'], ['reason', 'char', 128], ['msg', 'char', 512],
]);

/** Run-queue latency per cgroup (monitoring-only mode, rqlat.bpf.c's rqlat_hist). */
export const SLO_RQLAT_HIST = struct('slo_rqlat_hist', [
  ['count', 'u64'], ['sum_ns', 'u64'], ['requeue_count', 'u64'], ['requeue_sum_ns', 'u64'],
  ['buckets', 'u64', SLO_RQLAT_BUCKETS],
]);

/** Quarter-octave buckets of the shadow decision-latency histogram (see shadowBucketBounds). */
export const SLO_SHADOW_BUCKETS = 80;

/** Shadow delegation control block (shadow.bpf.c's shadow_ctl). */
export const SLO_SHADOW_CTL = struct('slo_shadow_ctl', [
  ['default_budget_ns', 'u64'], ['default_importance', 'u32'], ['agent_tgid', 'u32'], ['enabled', 'u32'], ['nr_slos', 'u32'],
  ['wake_batch', 'u32'], ['__pad', 'u32'], ['wake_after_ns', 'u64'],
]);

export const SHADOW_STATS_COUNTERS = ['sent', 'ring_full', 'decided', 'stale', 'bad', 'drains', 'max_ns', 'sum_ns', 'wakeups'] as const;
export type ShadowStatsCounter = (typeof SHADOW_STATS_COUNTERS)[number];

/** Per-CPU shadow counters (shadow.bpf.c's shadow_stats). */
export const SLO_SHADOW_STATS = struct<ShadowStatsCounter | 'lat_hist'>('slo_shadow_stats', [
  ...SHADOW_STATS_COUNTERS.map((name) => [name, 'u64'] as const),
  ['lat_hist', 'u64', SLO_SHADOW_BUCKETS],
]);

/**
 * [lower, upper) in microseconds of shadow histogram bucket `i`: buckets 0..3 hold 0, 1,
 * 2 and 3 us; above, each power of two is split in four (bucket 4*(o-1) + s holds
 * [(4+s) << (o-2), (5+s) << (o-2)) for o = floor(log2(us)) >= 2); the last bucket also
 * counts everything longer (upper Infinity). Mirrors shadow.bpf.c's lat_bucket().
 */
export function shadowBucketBounds(i: number): [number, number] {
  if (i < 4) return [i, i + 1];
  const o = Math.floor(i / 4) + 1;
  const s = i % 4;
  const lower = (4 + s) * 2 ** (o - 2);
  return [lower, i === SLO_SHADOW_BUCKETS - 1 ? Infinity : (5 + s) * 2 ** (o - 2)];
}

/** Every shared struct, for the header test. */
export const SHARED_STRUCTS: readonly StructLayout<string>[] = [
  SLO_TASK_MSG, SLO_EXIT_MSG, SLO_DECISION_MSG, SLO_CFG, SLO_CTL, SLO_CPU_STATS, SLO_MISS_EVENT, SLO_CG_STATS, SLO_EXIT_INFO,
  SLO_RQLAT_HIST, SLO_SHADOW_CTL, SLO_SHADOW_STATS,
];

/** Shared constants by C name, for the header test. */
export const SHARED_CONSTANTS: Readonly<Record<string, number>> = {
  SLO_ABI_VERSION,
  SLO_MAX_SLICE_NS,
  SLO_MAX_CPUS,
  SLO_DSQ_EDF: SloDsq.EDF,
  SLO_DSQ_USER: SloDsq.USER,
  SLO_DSQ_PENDING: SloDsq.PENDING,
  SLO_MSG_TASK: SloMsgKind.TASK,
  SLO_MSG_EXIT: SloMsgKind.EXIT,
  SLO_TASK_WAKEUP: TaskFlags.WAKEUP,
  SLO_TASK_SLICE_EXPIRED: TaskFlags.SLICE_EXPIRED,
  SLO_TASK_PINNED: TaskFlags.PINNED,
  SLO_MIN_SLICE_NS: MIN_SLICE_NS,
  SLO_DEFAULT_SLICE_NS: DEFAULT_SLICE_NS,
  SLO_DEFAULT_BUDGET_NS: DEFAULT_BUDGET_NS,
  SLO_DEFAULT_IMPORTANCE: DEFAULT_IMPORTANCE,
  SLO_LAG_BUCKETS,
  SLO_RQLAT_BUCKETS,
  SLO_SHADOW_BUCKETS,
};

// ---- numbers ---------------------------------------------------------------------------

const TWO32 = 4294967296;

/** Reads a u64 as a Number (exact below 2^53; callers keep values in that range). */
export function readU64(view: DataView, offset: number): number {
  return view.getUint32(offset + 4, true) * TWO32 + view.getUint32(offset, true);
}

/** Writes a non-negative integer Number as a u64. */
export function writeU64(view: DataView, offset: number, value: number): void {
  const v = value < 0 ? 0 : value;
  view.setUint32(offset, v % TWO32, true);
  view.setUint32(offset + 4, Math.floor(v / TWO32), true);
}

/**
 * A kernel clock value (u64 ns) minus `originNs` as a Number, without going through
 * BigInt: split in 32-bit halves so the subtraction is exact before the conversion.
 */
export function readKernelTime(view: DataView, offset: number, originHi: number, originLo: number): number {
  let lo = view.getUint32(offset, true) - originLo;
  let hi = view.getUint32(offset + 4, true) - originHi;
  if (lo < 0) {
    lo += TWO32;
    hi -= 1;
  }
  return hi * TWO32 + lo;
}

/**
 * The agent's policy-clock origin: a kernel monotonic time split in 32-bit halves, so
 * converting between kernel u64 times and policy-clock Numbers needs no BigInt.
 */
export class ClockOrigin {
  readonly hi: number;
  readonly lo: number;

  constructor(readonly originNs: bigint) {
    this.hi = Number(originNs >> 32n);
    this.lo = Number(originNs & 0xffffffffn);
  }

  /** Kernel u64 time at `offset` of `view`, on the policy clock. */
  read(view: DataView, offset: number): number {
    return readKernelTime(view, offset, this.hi, this.lo);
  }

  /** Writes policy-clock `ns` as a kernel u64 time (origin + ns, floored at 0). */
  write(view: DataView, offset: number, ns: number): void {
    const shifted = Math.trunc(ns);
    const low = this.lo + (((shifted % TWO32) + TWO32) % TWO32);
    const high = this.hi + Math.floor(shifted / TWO32) + (low >= TWO32 ? 1 : 0);
    if (high < 0) {
      view.setUint32(offset, 0, true);
      view.setUint32(offset + 4, 0, true);
      return;
    }
    view.setUint32(offset, low % TWO32, true);
    view.setUint32(offset + 4, high >= TWO32 ? TWO32 - 1 : high, true);
  }
}

/** A DataView over all of `bytes`. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// ---- codecs ----------------------------------------------------------------------------

/**
 * What the tasks_rb record at `offset` of `view`, `length` bytes, is: 'task' (a
 * slo_task_msg), 'exit' (a slo_exit_msg), or 'malformed' (unknown kind or wrong size).
 */
export function tasksRingRecordKind(view: DataView, offset: number, length: number): 'task' | 'exit' | 'malformed' {
  if (length < 4) return 'malformed';
  const kind = view.getUint32(offset, true);
  if (kind === SloMsgKind.TASK && length === SLO_TASK_MSG.size) return 'task';
  if (kind === SloMsgKind.EXIT && length === SLO_EXIT_MSG.size) return 'exit';
  return 'malformed';
}

/** The pid of the slo_exit_msg at `offset` of `view`. */
export function decodeExitPid(view: DataView, offset: number): number {
  return view.getUint32(offset + SLO_EXIT_MSG.offset.pid, true);
}

/** Encodes a slo_exit_msg for `pid` (for tests that stand in for the kernel). */
export function encodeExit(view: DataView, offset: number, pid: number): void {
  view.setUint32(offset + SLO_EXIT_MSG.offset.kind, SloMsgKind.EXIT, true);
  view.setUint32(offset + SLO_EXIT_MSG.offset.pid, pid, true);
}

const T = SLO_TASK_MSG.offset;

/** Decodes the slo_task_msg at `offset` of `view`; times on the policy clock of `origin`. */
export function decodeTaskRecord(view: DataView, offset: number, origin: ClockOrigin): TaskRecord {
  return {
    pid: view.getUint32(offset + T.pid, true),
    tgid: view.getUint32(offset + T.tgid, true),
    cgroupId: readU64(view, offset + T.cgroup_id),
    sloCgroupId: readU64(view, offset + T.slo_cgroup_id),
    prevCpu: view.getInt32(offset + T.prev_cpu, true),
    enqNs: origin.read(view, offset + T.enq_ns),
    deadlineNs: origin.read(view, offset + T.deadline_ns),
    runtimeNs: readU64(view, offset + T.runtime_ns),
    weight: view.getUint32(offset + T.weight, true),
    flags: view.getUint32(offset + T.flags, true),
    seq: readU64(view, offset + T.seq),
  };
}

/** Encodes `task` as the slo_task_msg the kernel would write (for tests that stand in for the kernel). */
export function encodeTaskRecord(view: DataView, offset: number, task: TaskRecord, origin: ClockOrigin): void {
  view.setUint32(offset + T.kind, SloMsgKind.TASK, true);
  view.setUint32(offset + T.pid, task.pid, true);
  view.setUint32(offset + T.tgid, task.tgid, true);
  view.setInt32(offset + T.prev_cpu, task.prevCpu, true);
  writeU64(view, offset + T.cgroup_id, task.cgroupId);
  writeU64(view, offset + T.slo_cgroup_id, task.sloCgroupId);
  origin.write(view, offset + T.enq_ns, task.enqNs);
  writeU64(view, offset + T.runtime_ns, task.runtimeNs);
  writeU64(view, offset + T.seq, task.seq);
  origin.write(view, offset + T.deadline_ns, task.deadlineNs);
  view.setUint32(offset + T.weight, task.weight, true);
  view.setUint32(offset + T.flags, task.flags, true);
}

/** The SLO cgroup id of the slo_task_msg at `offset` (what the worker pool shards by). */
export function taskSloCgroupId(view: DataView, offset: number): number {
  return readU64(view, offset + T.slo_cgroup_id);
}

const D = SLO_DECISION_MSG.offset;

/** Encodes `d` as a slo_decision_msg at `offset` of `view`. */
export function encodeDecision(view: DataView, offset: number, d: Decision, origin: ClockOrigin): void {
  view.setUint32(offset + D.pid, d.pid, true);
  view.setUint32(offset + D.__pad, 0, true);
  writeU64(view, offset + D.seq, d.seq);
  origin.write(view, offset + D.vtime, d.vtime);
  writeU64(view, offset + D.slice_ns, d.sliceNs);
}

/** Decodes the slo_decision_msg at `offset` of `view` (what the kernel reads). */
export function decodeDecision(view: DataView, offset: number, origin: ClockOrigin): Decision {
  return {
    pid: view.getUint32(offset + D.pid, true),
    seq: readU64(view, offset + D.seq),
    vtime: origin.read(view, offset + D.vtime),
    sliceNs: readU64(view, offset + D.slice_ns),
  };
}

/** struct slo_cfg as bytes: a workload's SLO for the kernel's slo_cfg map. */
export function encodeSloCfg(slo: SloEntry): Buffer {
  const buf = Buffer.alloc(SLO_CFG.size);
  const view = viewOf(buf);
  writeU64(view, SLO_CFG.offset.budget_ns, slo.budgetNs);
  view.setUint32(SLO_CFG.offset.importance, slo.importance, true);
  view.setUint32(SLO_CFG.offset.flags, 0, true);
  return buf;
}

/** The agent's control block (struct slo_ctl). */
export interface SloCtl {
  /** bpf_ktime of the last heartbeat; 0n = none (stop delegating). */
  heartbeatNs: bigint;
  lagNs: number;
  stallNs: number;
  sliceNs: number;
  urgentMaxNs: number;
  defaultBudgetNs: number;
  defaultImportance: number;
  agentTgid: number;
  cfgGen: number;
  missEventsPerSec: number;
  /** Wake the agent once this many task records wait (0, 1: at the first, the ring's own wake-up). */
  wakeBatch: number;
  /** ... or once the oldest has waited this long. */
  wakeAfterNs: number;
}

const C = SLO_CTL.offset;

/** Encodes `ctl` into `buf` (SLO_CTL.size bytes). */
export function encodeSloCtl(buf: Uint8Array, ctl: SloCtl): void {
  const v = viewOf(buf);
  v.setBigUint64(C.heartbeat_ns, ctl.heartbeatNs, true);
  writeU64(v, C.lag_ns, ctl.lagNs);
  writeU64(v, C.stall_ns, ctl.stallNs);
  writeU64(v, C.slice_ns, ctl.sliceNs);
  writeU64(v, C.urgent_max_ns, ctl.urgentMaxNs);
  writeU64(v, C.default_budget_ns, ctl.defaultBudgetNs);
  v.setUint32(C.default_importance, ctl.defaultImportance, true);
  v.setUint32(C.agent_tgid, ctl.agentTgid, true);
  v.setUint32(C.cfg_gen, ctl.cfgGen, true);
  v.setUint32(C.miss_events_per_sec, ctl.missEventsPerSec, true);
  v.setUint32(C.wake_batch, ctl.wakeBatch, true);
  v.setUint32(C.__pad, 0, true);
  writeU64(v, C.wake_after_ns, ctl.wakeAfterNs);
}

/** Decodes a control block (what the kernel reads). */
export function decodeSloCtl(buf: Uint8Array): SloCtl {
  const v = viewOf(buf);
  return {
    heartbeatNs: v.getBigUint64(C.heartbeat_ns, true),
    lagNs: readU64(v, C.lag_ns),
    stallNs: readU64(v, C.stall_ns),
    sliceNs: readU64(v, C.slice_ns),
    urgentMaxNs: readU64(v, C.urgent_max_ns),
    defaultBudgetNs: readU64(v, C.default_budget_ns),
    defaultImportance: v.getUint32(C.default_importance, true),
    agentTgid: v.getUint32(C.agent_tgid, true),
    cfgGen: v.getUint32(C.cfg_gen, true),
    missEventsPerSec: v.getUint32(C.miss_events_per_sec, true),
    wakeBatch: v.getUint32(C.wake_batch, true),
    wakeAfterNs: readU64(v, C.wake_after_ns),
  };
}

/**
 * Adds the slo_cpu_stats at `offset` of `view` (one CPU's slot of the per-CPU map) into
 * `counters` and `lagHistogram` (SLO_LAG_BUCKETS long).
 */
export function addCpuStats(view: DataView, offset: number, counters: Record<CpuStatsCounter, number>, lagHistogram: number[]): void {
  for (const name of CPU_STATS_COUNTERS) counters[name] += readU64(view, offset + SLO_CPU_STATS.offset[name]);
  const hist = offset + SLO_CPU_STATS.offset.lag_hist;
  for (let b = 0; b < SLO_LAG_BUCKETS; b++) lagHistogram[b]! += readU64(view, hist + 8 * b);
}

/** A deadline miss reported by the kernel (struct slo_miss_event; rate-limited per CPU). */
export interface MissEvent {
  sloCgroupId: number;
  /** The missed deadline, kernel monotonic ns. */
  deadlineNs: number;
  latenessNs: number;
  pid: number;
  cpu: number;
}

const M = SLO_MISS_EVENT.offset;

export function decodeMissEvent(view: DataView, offset: number): MissEvent {
  return {
    sloCgroupId: readU64(view, offset + M.slo_cgroup_id),
    deadlineNs: readU64(view, offset + M.deadline_ns),
    latenessNs: readU64(view, offset + M.lateness_ns),
    pid: view.getUint32(offset + M.pid, true),
    cpu: view.getUint32(offset + M.cpu, true),
  };
}

const G = SLO_CG_STATS.offset;

/** Decodes a struct slo_cg_stats value. */
export function decodeCgStats(buf: Uint8Array): CgroupSloStats {
  const v = viewOf(buf);
  return {
    runs: readU64(v, G.runs),
    misses: readU64(v, G.misses),
    lastRunNs: readU64(v, G.last_run_ns),
    lastMissNs: readU64(v, G.last_miss_ns),
    lastSlackNs: Number(v.getBigInt64(G.last_slack_ns, true)),
    waitNsSum: readU64(v, G.wait_ns_sum),
  };
}

/** Why the scheduler exited (struct slo_exit_info); kind 0 = it has not. */
export interface SloExitInfo {
  kind: number;
  reason: string;
  msg: string;
}

function cString(buf: Uint8Array, offset: number, length: number): string {
  const raw = Buffer.from(buf.buffer, buf.byteOffset + offset, length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

export function decodeExitInfo(buf: Uint8Array): SloExitInfo {
  const o = SLO_EXIT_INFO.offset;
  return {
    kind: viewOf(buf).getInt32(o.kind, true),
    reason: cString(buf, o.reason, o.msg - o.reason),
    msg: cString(buf, o.msg, SLO_EXIT_INFO.size - o.msg),
  };
}

/** struct slo_rqlat_hist: run-queue latency of one cgroup. */
export interface SloRqlatHist {
  count: number;
  sumNs: number;
  requeueCount: number;
  requeueSumNs: number;
  /** SLO_RQLAT_BUCKETS counts, not cumulative. */
  buckets: number[];
}

export function decodeRqlatHist(buf: Uint8Array): SloRqlatHist {
  const v = viewOf(buf);
  const o = SLO_RQLAT_HIST.offset;
  return {
    count: readU64(v, o.count),
    sumNs: readU64(v, o.sum_ns),
    requeueCount: readU64(v, o.requeue_count),
    requeueSumNs: readU64(v, o.requeue_sum_ns),
    buckets: Array.from({ length: SLO_RQLAT_BUCKETS }, (_, i) => readU64(v, o.buckets + 8 * i)),
  };
}
