// The TypeScript mirror of bpf/scx_slo.h: every shared struct's size and field offsets,
// the constants, and the codecs that turn ring-buffer bytes into TaskRecords and
// Decisions into bytes. This is the only TypeScript module that knows those layouts;
// agent/kernel/test/kernel-abi.test.ts compiles the C header and checks they agree.

import type { Decision, TaskRecord } from '../../policy/api.js';

export const SLO_ABI_VERSION = 1;

export const SloDsq = { EDF: 0, USER: 1, PENDING: 2 } as const;

export const SLO_LAG_BUCKETS = 24;

/** Buckets of struct slo_rqlat_hist: [i] counts waits in [2^(i-1), 2^i) us, [0] < 1 us, the last also longer. */
export const SLO_RQLAT_BUCKETS = 24;

/** A field of a C struct: byte offset and C type. */
export interface FieldLayout {
  offset: number;
  type: 'u32' | 's32' | 'u64' | 's64' | 'u64[]' | 'char[]';
  /** Array length for 'u64[]' and 'char[]'. */
  length?: number;
}

export interface StructLayout {
  size: number;
  fields: Readonly<Record<string, FieldLayout>>;
}

export const TASK_MSG: StructLayout = {
  size: 72,
  fields: {
    pid: { offset: 0, type: 'u32' },
    tgid: { offset: 4, type: 'u32' },
    cgroup_id: { offset: 8, type: 'u64' },
    slo_cgroup_id: { offset: 16, type: 'u64' },
    enq_ns: { offset: 24, type: 'u64' },
    runtime_ns: { offset: 32, type: 'u64' },
    seq: { offset: 40, type: 'u64' },
    kernel_deadline_ns: { offset: 48, type: 'u64' },
    prev_cpu: { offset: 56, type: 's32' },
    weight: { offset: 60, type: 'u32' },
    flags: { offset: 64, type: 'u32' },
    __pad: { offset: 68, type: 'u32' },
  },
};

export const DECISION_MSG: StructLayout = {
  size: 32,
  fields: {
    pid: { offset: 0, type: 'u32' },
    cpu: { offset: 4, type: 's32' },
    seq: { offset: 8, type: 'u64' },
    vtime: { offset: 16, type: 'u64' },
    slice_ns: { offset: 24, type: 'u64' },
  },
};

export const SLO_CFG: StructLayout = {
  size: 16,
  fields: {
    budget_ns: { offset: 0, type: 'u64' },
    importance: { offset: 8, type: 'u32' },
    flags: { offset: 12, type: 'u32' },
  },
};

export const SLO_CTL: StructLayout = {
  size: 64,
  fields: {
    heartbeat_ns: { offset: 0, type: 'u64' },
    lag_ns: { offset: 8, type: 'u64' },
    stall_ns: { offset: 16, type: 'u64' },
    slice_ns: { offset: 24, type: 'u64' },
    direct_max_ns: { offset: 32, type: 'u64' },
    default_budget_ns: { offset: 40, type: 'u64' },
    default_importance: { offset: 48, type: 'u32' },
    agent_tgid: { offset: 52, type: 'u32' },
    cfg_gen: { offset: 56, type: 'u32' },
    miss_events_per_sec: { offset: 60, type: 'u32' },
  },
};

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
  'preempt_kicks',
] as const;
export type CpuStatsCounter = (typeof CPU_STATS_COUNTERS)[number];

export const CPU_STATS: StructLayout = {
  size: 8 * CPU_STATS_COUNTERS.length + 8 * SLO_LAG_BUCKETS,
  fields: {
    ...Object.fromEntries(CPU_STATS_COUNTERS.map((name, i) => [name, { offset: 8 * i, type: 'u64' } as FieldLayout])),
    lag_hist: { offset: 8 * CPU_STATS_COUNTERS.length, type: 'u64[]', length: SLO_LAG_BUCKETS },
  },
};

export const MISS_EVENT: StructLayout = {
  size: 32,
  fields: {
    slo_cgroup_id: { offset: 0, type: 'u64' },
    deadline_ns: { offset: 8, type: 'u64' },
    lateness_ns: { offset: 16, type: 'u64' },
    pid: { offset: 24, type: 'u32' },
    cpu: { offset: 28, type: 'u32' },
  },
};

export const CG_STATS: StructLayout = {
  size: 48,
  fields: {
    runs: { offset: 0, type: 'u64' },
    misses: { offset: 8, type: 'u64' },
    last_run_ns: { offset: 16, type: 'u64' },
    last_miss_ns: { offset: 24, type: 'u64' },
    last_slack_ns: { offset: 32, type: 's64' },
    wait_ns_sum: { offset: 40, type: 'u64' },
  },
};

export const EXIT_INFO: StructLayout = {
  size: 648,
  fields: {
    kind: { offset: 0, type: 's32' },
    __pad: { offset: 4, type: 'u32' },
    reason: { offset: 8, type: 'char[]', length: 128 },
    msg: { offset: 136, type: 'char[]', length: 512 },
  },
};

/** Run-queue latency per cgroup (monitoring-only mode, rqlat.bpf.c's rqlat_hist). */
export const RQLAT_HIST: StructLayout = {
  size: 32 + 8 * SLO_RQLAT_BUCKETS,
  fields: {
    count: { offset: 0, type: 'u64' },
    sum_ns: { offset: 8, type: 'u64' },
    requeue_count: { offset: 16, type: 'u64' },
    requeue_sum_ns: { offset: 24, type: 'u64' },
    buckets: { offset: 32, type: 'u64[]', length: SLO_RQLAT_BUCKETS },
  },
};

/** Quarter-octave buckets of the shadow decision-latency histogram (see shadowBucketBounds). */
export const SLO_SHADOW_BUCKETS = 80;

/** Shadow delegation control block (shadow.bpf.c's shadow_ctl). */
export const SHADOW_CTL: StructLayout = {
  size: 24,
  fields: {
    default_budget_ns: { offset: 0, type: 'u64' },
    default_importance: { offset: 8, type: 'u32' },
    agent_tgid: { offset: 12, type: 'u32' },
    enabled: { offset: 16, type: 'u32' },
    nr_slos: { offset: 20, type: 'u32' },
  },
};

export const SHADOW_STATS_COUNTERS = ['sent', 'ring_full', 'decided', 'stale', 'bad', 'drains', 'max_ns', 'sum_ns'] as const;
export type ShadowStatsCounter = (typeof SHADOW_STATS_COUNTERS)[number];

/** Per-CPU shadow counters (shadow.bpf.c's shadow_stats). */
export const SHADOW_STATS: StructLayout = {
  size: 8 * SHADOW_STATS_COUNTERS.length + 8 * SLO_SHADOW_BUCKETS,
  fields: {
    ...Object.fromEntries(SHADOW_STATS_COUNTERS.map((name, i) => [name, { offset: 8 * i, type: 'u64' } as FieldLayout])),
    lat_hist: { offset: 8 * SHADOW_STATS_COUNTERS.length, type: 'u64[]', length: SLO_SHADOW_BUCKETS },
  },
};

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

/** Every shared struct by its C name, for the layout test. */
export const SHARED_STRUCTS: Readonly<Record<string, StructLayout>> = {
  slo_task_msg: TASK_MSG,
  slo_decision_msg: DECISION_MSG,
  slo_cfg: SLO_CFG,
  slo_ctl: SLO_CTL,
  slo_cpu_stats: CPU_STATS,
  slo_miss_event: MISS_EVENT,
  slo_cg_stats: CG_STATS,
  slo_exit_info: EXIT_INFO,
  slo_rqlat_hist: RQLAT_HIST,
  slo_shadow_ctl: SHADOW_CTL,
  slo_shadow_stats: SHADOW_STATS,
};

/** Shared enum constants by C name, for the layout test. */
export const SHARED_CONSTANTS: Readonly<Record<string, number>> = {
  SLO_ABI_VERSION,
  SLO_DSQ_EDF: SloDsq.EDF,
  SLO_DSQ_USER: SloDsq.USER,
  SLO_DSQ_PENDING: SloDsq.PENDING,
  SLO_TASK_WAKEUP: 1 << 0,
  SLO_TASK_SLICE_EXPIRED: 1 << 1,
  SLO_TASK_PINNED: 1 << 2,
  SLO_LAG_BUCKETS,
  SLO_RQLAT_BUCKETS,
  SLO_SHADOW_BUCKETS,
};

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

const T = TASK_MSG.fields;
const D = DECISION_MSG.fields;

/** Decodes the slo_task_msg at `offset` of `view`; times on the policy clock of `origin`. */
export function decodeTaskRecord(view: DataView, offset: number, origin: ClockOrigin): TaskRecord {
  return {
    pid: view.getUint32(offset + T['pid']!.offset, true),
    tgid: view.getUint32(offset + T['tgid']!.offset, true),
    cgroupId: readU64(view, offset + T['cgroup_id']!.offset),
    sloCgroupId: readU64(view, offset + T['slo_cgroup_id']!.offset),
    prevCpu: view.getInt32(offset + T['prev_cpu']!.offset, true),
    enqNs: origin.read(view, offset + T['enq_ns']!.offset),
    runtimeNs: readU64(view, offset + T['runtime_ns']!.offset),
    weight: view.getUint32(offset + T['weight']!.offset, true),
    flags: view.getUint32(offset + T['flags']!.offset, true),
    seq: readU64(view, offset + T['seq']!.offset),
  };
}

/** Encodes `d` as a slo_decision_msg at `offset` of `view`. */
export function encodeDecision(view: DataView, offset: number, d: Decision, origin: ClockOrigin): void {
  view.setUint32(offset + D['pid']!.offset, d.pid, true);
  view.setInt32(offset + D['cpu']!.offset, d.cpu, true);
  writeU64(view, offset + D['seq']!.offset, d.seq);
  origin.write(view, offset + D['vtime']!.offset, d.deadlineNs);
  writeU64(view, offset + D['slice_ns']!.offset, d.sliceNs);
}
