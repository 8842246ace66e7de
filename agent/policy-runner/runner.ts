// Runs a policy for the agent, either inline on the agent's thread or in piscina worker
// threads (one single-threaded pool per shard, so each shard's policy state persists in
// its worker; tasks are sharded by SLO cgroup so a workload's state stays together).
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Decision, PolicyModule, SloEntry, TaskRecord } from '../../policy/api.js';
import { ClockOrigin, SLO_DECISION_MSG as DECISION_MSG, SLO_TASK_MSG as TASK_MSG, decodeTaskRecord, encodeDecision, taskSloCgroupId } from '../kernel/kernel-abi.js';
import { PolicyHost } from './policy-host.js';
import { loadPolicyModule } from '../../policy/registry.js';
import type { WorkerRequest, WorkerResponse } from './worker-protocol.js';

export interface PolicyRunner {
  /** The policy spec (built-in name or path) in use. */
  readonly spec: string;
  /** Whether the module in use lets the kernel run tight deadlines directly. */
  readonly urgentInKernel: boolean;
  /**
   * Decisions for raw slo_task_msg records, after telling the policy about the exited
   * tasks; resolves to encoded slo_decision_msg bytes.
   */
  decideBytes(records: Uint8Array, count: number, exitedPids: readonly number[], nowNs: number): Promise<{ bytes: Uint8Array; count: number }>;
  /** Decisions for decoded records and exits (inline hosts use this path). */
  decide(records: readonly TaskRecord[], exitedPids: readonly number[], nowNs: number): Promise<Decision[]>;
  setSlo(cgroupId: number, entry: SloEntry | undefined): void;
  swap(spec: string, nowNs: number): Promise<Decision[]>;
  close(): Promise<void>;
}

export interface RunnerOptions {
  spec: string;
  module: PolicyModule;
  nrCpus: number;
  options: Readonly<Record<string, string>>;
  /** Kernel monotonic ns that the policy clock counts from. */
  originNs: bigint;
}

/** Runs the policy on the calling thread. */
export class InlineRunner implements PolicyRunner {
  private readonly host: PolicyHost;
  private readonly origin: ClockOrigin;
  spec: string;
  urgentInKernel: boolean;

  constructor(opts: RunnerOptions) {
    this.host = new PolicyHost(opts.module, { nrCpus: opts.nrCpus, options: opts.options });
    this.origin = new ClockOrigin(opts.originNs);
    this.spec = opts.spec;
    this.urgentInKernel = opts.module.urgentInKernel === true;
  }

  async decide(records: readonly TaskRecord[], exitedPids: readonly number[], nowNs: number): Promise<Decision[]> {
    return this.host.process(records, exitedPids, nowNs);
  }

  async decideBytes(bytes: Uint8Array, count: number, exitedPids: readonly number[], nowNs: number): Promise<{ bytes: Uint8Array; count: number }> {
    return encodeDecisions(this.host.process(decodeRecords(bytes, count, this.origin), exitedPids, nowNs), this.origin);
  }

  setSlo(cgroupId: number, entry: SloEntry | undefined): void {
    this.host.setSlo(cgroupId, entry);
  }

  async swap(spec: string, nowNs: number): Promise<Decision[]> {
    const module = await loadPolicyModule(spec);
    const leftover = this.host.swap(module, nowNs);
    this.spec = spec;
    this.urgentInKernel = module.urgentInKernel === true;
    return leftover;
  }

  async close(): Promise<void> {}
}

export function decodeRecords(bytes: Uint8Array, count: number, origin: ClockOrigin): TaskRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: TaskRecord[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = decodeTaskRecord(view, i * TASK_MSG.size, origin);
  return out;
}

export function encodeDecisions(decisions: readonly Decision[], origin: ClockOrigin): { bytes: Uint8Array; count: number } {
  const bytes = new Uint8Array(decisions.length * DECISION_MSG.size);
  const view = new DataView(bytes.buffer);
  decisions.forEach((d, i) => encodeDecision(view, i * DECISION_MSG.size, d, origin));
  return { bytes, count: decisions.length };
}

const WORKER_FILE = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Runs the policy in `shards` piscina workers, one thread each. */
export class PoolRunner implements PolicyRunner {
  private readonly pools: Piscina[];
  private readonly origin: ClockOrigin;
  spec: string;
  urgentInKernel: boolean;

  private constructor(opts: RunnerOptions, shards: number) {
    this.origin = new ClockOrigin(opts.originNs);
    this.spec = opts.spec;
    this.urgentInKernel = opts.module.urgentInKernel === true;
    const workerData = { spec: opts.spec, nrCpus: opts.nrCpus, options: { ...opts.options }, originNs: opts.originNs.toString() };
    this.pools = Array.from({ length: shards }, () => new Piscina({
      filename: WORKER_FILE, minThreads: 1, maxThreads: 1, idleTimeout: Number.MAX_SAFE_INTEGER, workerData,
    }));
  }

  static async start(opts: RunnerOptions, shards: number): Promise<PoolRunner> {
    if (!Number.isInteger(shards) || shards < 1 || shards > availableParallelism() * 4) {
      throw new RangeError(`workers: expected 1..${availableParallelism() * 4}, got ${shards}`);
    }
    const runner = new PoolRunner(opts, shards);
    // Fail now, not on the first batch, when a worker cannot load the policy.
    await Promise.all(runner.pools.map((p) => p.run({ op: 'ping' } satisfies WorkerRequest)));
    return runner;
  }

  private async call(pool: Piscina, req: WorkerRequest, transfer?: ArrayBuffer[]): Promise<WorkerResponse> {
    return (await pool.run(req, transfer ? { transferList: transfer } : {})) as WorkerResponse;
  }

  async decideBytes(bytes: Uint8Array, count: number, exitedPids: readonly number[], nowNs: number): Promise<{ bytes: Uint8Array; count: number }> {
    const exits = [...exitedPids];
    if (this.pools.length === 1) {
      const copy = bytes.slice();
      const res = await this.call(this.pools[0]!, { op: 'batch', bytes: copy, count, exitedPids: exits, nowNs }, [copy.buffer as ArrayBuffer]);
      return { bytes: res.bytes ?? new Uint8Array(0), count: res.count ?? 0 };
    }
    // Shard records by SLO cgroup id; every shard hears of every exit (a task's state is
    // in the shard of the workload it was in, which its exit record does not say).
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const parts: number[][] = this.pools.map(() => []);
    for (let i = 0; i < count; i++) {
      const slo = taskSloCgroupId(view, i * TASK_MSG.size);
      parts[slo % this.pools.length]!.push(i);
    }
    const results = await Promise.all(parts.map((idx, shard) => {
      if (idx.length === 0 && exits.length === 0) return Promise.resolve({ bytes: new Uint8Array(0), count: 0 } as WorkerResponse);
      const part = new Uint8Array(idx.length * TASK_MSG.size);
      idx.forEach((i, j) => part.set(bytes.subarray(i * TASK_MSG.size, (i + 1) * TASK_MSG.size), j * TASK_MSG.size));
      return this.call(this.pools[shard]!, { op: 'batch', bytes: part, count: idx.length, exitedPids: exits, nowNs }, [part.buffer]);
    }));
    const total = results.reduce((n, r) => n + (r.count ?? 0), 0);
    const out = new Uint8Array(total * DECISION_MSG.size);
    let at = 0;
    for (const r of results) {
      if (r.bytes) out.set(r.bytes, at);
      at += (r.count ?? 0) * DECISION_MSG.size;
    }
    return { bytes: out, count: total };
  }

  async decide(records: readonly TaskRecord[], exitedPids: readonly number[], nowNs: number): Promise<Decision[]> {
    const res = await this.call(this.pools[0]!, { op: 'decide', records: [...records], exitedPids: [...exitedPids], nowNs });
    return res.decisions ?? [];
  }

  setSlo(cgroupId: number, entry: SloEntry | undefined): void {
    for (const pool of this.pools) void pool.run({ op: 'slo', cgroupId, entry } satisfies WorkerRequest);
  }

  async swap(spec: string, nowNs: number): Promise<Decision[]> {
    const module = await loadPolicyModule(spec);
    const res = await Promise.all(this.pools.map((p) => this.call(p, { op: 'swap', spec, nowNs })));
    this.spec = spec;
    this.urgentInKernel = module.urgentInKernel === true;
    return res.flatMap((r) => r.decisions ?? []);
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.destroy()));
  }
}

/** An inline runner for `workers` 0, a pool of `workers` shards otherwise. */
export async function startRunner(opts: RunnerOptions, workers: number): Promise<PolicyRunner> {
  return workers === 0 ? new InlineRunner(opts) : PoolRunner.start(opts, workers);
}
