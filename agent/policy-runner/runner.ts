// Runs a policy for the agent, either inline on the agent's thread or in piscina worker
// threads (one single-threaded pool per shard, so each shard's policy state persists in
// its worker; tasks are sharded by SLO cgroup so a workload's state stays together).
// A policy that throws rejects the call; a worker that crashes or is terminated rejects
// it too. restart() replaces the policy instance (inline) or the workers (pool) with
// fresh ones holding the current SLO table, which is how the delegation loop recovers
// from a throwing, crashed or hung policy.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Decision, PolicyModule, SloEntry, TaskRecord } from '../../policy/api.js';
import {
  ClockOrigin,
  SLO_DECISION_MSG as DECISION_MSG,
  SLO_TASK_MSG as TASK_MSG,
  decodeTaskRecord,
  encodeDecision,
  taskSloCgroupId,
} from '../kernel/kernel-abi.js';
import { PolicyHost } from './policy-host.js';
import { loadPolicyModule } from '../../policy/registry.js';
import type { WorkerInit, WorkerRequest, WorkerResponse } from './worker-protocol.js';

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
  /**
   * Drops the policy's state and starts it afresh (same spec, same SLO table): inline a
   * new instance, in a pool new workers (hung ones are terminated). Rejects when the
   * policy cannot be started again.
   */
  restart(): Promise<void>;
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
  private host: PolicyHost;
  private readonly origin: ClockOrigin;
  private readonly hostOptions: { nrCpus: number; options: Readonly<Record<string, string>> };
  private readonly slos = new Map<number, SloEntry>();
  private module: PolicyModule;
  spec: string;
  urgentInKernel: boolean;

  constructor(opts: RunnerOptions) {
    this.hostOptions = { nrCpus: opts.nrCpus, options: opts.options };
    this.module = opts.module;
    this.host = new PolicyHost(opts.module, this.hostOptions);
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
    if (entry) this.slos.set(cgroupId, entry);
    else this.slos.delete(cgroupId);
    this.host.setSlo(cgroupId, entry);
  }

  async swap(spec: string, nowNs: number): Promise<Decision[]> {
    const module = await loadPolicyModule(spec);
    const leftover = this.host.swap(module, nowNs);
    this.module = module;
    this.spec = spec;
    this.urgentInKernel = module.urgentInKernel === true;
    return leftover;
  }

  async restart(): Promise<void> {
    const host = new PolicyHost(this.module, this.hostOptions);
    for (const [id, entry] of this.slos) host.setSlo(id, entry);
    this.host = host;
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
  private pools: Piscina[];
  private readonly slos = new Map<number, SloEntry>();
  spec: string;
  urgentInKernel: boolean;

  private constructor(private readonly opts: RunnerOptions, private readonly shards: number) {
    this.spec = opts.spec;
    this.urgentInKernel = opts.module.urgentInKernel === true;
    this.pools = this.makePools();
  }

  private makePools(): Piscina[] {
    const opts = this.opts;
    const workerData: WorkerInit = {
      spec: this.spec, nrCpus: opts.nrCpus, options: { ...opts.options }, originNs: opts.originNs.toString(),
      slos: [...this.slos.entries()],
    };
    return Array.from({ length: this.shards }, () => {
      const pool = new Piscina({ filename: WORKER_FILE, minThreads: 1, maxThreads: 1, idleTimeout: Number.MAX_SAFE_INTEGER, workerData });
      // A worker that fails outside a call (at start) is reported here; calls reject on
      // their own, so this must not become an uncaught exception.
      pool.on('error', (err: Error) => (this.lastWorkerError = err.message));
      return pool;
    });
  }

  /** The latest error a worker reported outside a call. */
  lastWorkerError: string | undefined;

  /** Waits until every worker has loaded the policy; on failure destroys them and rejects. */
  private static async ready(pools: Piscina[], spec: string): Promise<void> {
    try {
      await Promise.all(pools.map((p) => p.run({ op: 'ping' } satisfies WorkerRequest)));
    } catch (err) {
      await Promise.all(pools.map((p) => p.destroy().catch(() => {})));
      throw new Error(`policy ${spec}: a worker could not start it: ${(err as Error).message}`);
    }
  }

  static async start(opts: RunnerOptions, shards: number): Promise<PoolRunner> {
    if (!Number.isInteger(shards) || shards < 1 || shards > availableParallelism() * 4) {
      throw new RangeError(`workers: expected 1..${availableParallelism() * 4}, got ${shards}`);
    }
    const runner = new PoolRunner(opts, shards);
    // Fail now, not on the first batch, when a worker cannot load the policy.
    await PoolRunner.ready(runner.pools, opts.spec);
    return runner;
  }

  async restart(): Promise<void> {
    const old = this.pools;
    // Terminates the workers even in the middle of a call (an endless loop included).
    await Promise.all(old.map((p) => p.destroy().catch(() => {})));
    const fresh = this.makePools();
    this.pools = fresh;
    await PoolRunner.ready(fresh, this.spec);
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
    if (entry) this.slos.set(cgroupId, entry);
    else this.slos.delete(cgroupId);
    // A worker being restarted gets the table in its WorkerInit; a failure here is that.
    for (const pool of this.pools) pool.run({ op: 'slo', cgroupId, entry } satisfies WorkerRequest).catch(() => {});
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
