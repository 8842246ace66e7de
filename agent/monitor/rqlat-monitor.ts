// RunqueueLatencyMonitor: loads bpf/build/rqlat.bpf.o, attaches its tracepoint programs
// (sched_wakeup, sched_wakeup_new, sched_switch) and reads the per-cgroup run-queue
// latency histograms they keep (struct slo_rqlat_hist in the LRU hash rqlat_hist).
// The kernel's own scheduler is only watched, never changed: this is what the agent
// measures on kernels without sched_ext.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfObject } from '../bpf/bpf-object.js';
import type { BpfMap } from '../bpf/bpf-map.js';
import { getLibbpf } from '../bpf/native.js';
import { attachAllPrograms, type ProgramLinks } from '../bpf/program-attach.js';
import { SLO_RQLAT_BUCKETS, SLO_RQLAT_HIST, decodeRqlatHist as decodeSloRqlatHist } from '../kernel/kernel-abi.js';

/** rqlat.bpf.o in this checkout (dist/agent/monitor/ -> bpf/build/). */
export const DEFAULT_RQLAT_OBJECT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bpf', 'build', 'rqlat.bpf.o');

/**
 * Upper bound of each bucket in seconds: bucket i holds waits shorter than 2^i us (and at
 * least 2^(i-1) us); the last bucket is unbounded (Infinity). Bounds are exclusive at
 * 1 us resolution; Prometheus's inclusive `le` differs only for waits of exactly 2^i us.
 */
export const RQLAT_BUCKET_BOUNDS_SECONDS: readonly number[] = Array.from({ length: SLO_RQLAT_BUCKETS }, (_, i) =>
  i === SLO_RQLAT_BUCKETS - 1 ? Infinity : 2 ** i / 1e6,
);

/** One bucket of a histogram: waits with upper bound `leSeconds`, and how many. */
export interface RqlatBucket {
  leSeconds: number;
  count: number;
}

/**
 * Run-queue latency of one cgroup since the monitor started (or since the cgroup's
 * histogram was created, or re-created after an LRU eviction): waits from becoming
 * runnable (woken, or preempted) to running, of every task in that cgroup itself (not
 * its descendants).
 *
 * Read while the kernel adds to it, `count` can lead the buckets' total by the few waits
 * being added at that instant.
 */
export interface RunqueueLatencyHistogram {
  /** Waits measured. */
  count: number;
  /** Their total, ns. */
  sumNs: number;
  /** Of those, waits of tasks put back on the run queue by a preemption (involuntary). */
  requeueCount: number;
  requeueSumNs: number;
  /** SLO_RQLAT_BUCKETS buckets, bounds ascending, counts per bucket (not cumulative). */
  buckets: RqlatBucket[];
}

/** cgroup v2 id (the cgroup directory's inode number) -> its histogram. */
export type RunqueueLatencySnapshot = Map<number, RunqueueLatencyHistogram>;

/** Buckets made cumulative (Prometheus style): entry i counts every wait below its bound. */
export function cumulativeBuckets(h: RunqueueLatencyHistogram): RqlatBucket[] {
  let total = 0;
  return h.buckets.map((b) => ({ leSeconds: b.leSeconds, count: (total += b.count) }));
}

/** Decodes a struct slo_rqlat_hist. */
export function decodeRqlatHist(buf: Buffer): RunqueueLatencyHistogram {
  const h = decodeSloRqlatHist(buf);
  return { ...h, buckets: RQLAT_BUCKET_BOUNDS_SECONDS.map((leSeconds, i) => ({ leSeconds, count: h.buckets[i]! })) };
}

export interface RunqueueLatencyMonitorOptions {
  /** Path of rqlat.bpf.o (default: DEFAULT_RQLAT_OBJECT). */
  objectPath?: string;
  /** Most cgroups with a histogram at once; beyond, the least recently updated is evicted. Default 4096. */
  maxCgroups?: number;
  /**
   * Tasks with a wait record (one per task that woke up; beyond, the longest asleep are
   * evicted and re-inserted when they next wake). Default max(16384, 256 per possible CPU).
   */
  maxTasks?: number;
}

export class RunqueueLatencyMonitor {
  private obj: BpfObject | undefined;
  private links: ProgramLinks | undefined;
  private hist: BpfMap | undefined;
  readonly objectPath: string;

  constructor(private readonly opts: RunqueueLatencyMonitorOptions = {}) {
    this.objectPath = opts.objectPath ?? DEFAULT_RQLAT_OBJECT;
  }

  /** True between a successful start() and stop(). */
  get running(): boolean {
    return this.links !== undefined;
  }

  /** Names of the attached programs (empty when not running). */
  get programs(): string[] {
    return this.links?.names ?? [];
  }

  /**
   * Loads rqlat.bpf.o and attaches its programs. Throws (BpfLoadError with libbpf's and
   * the verifier's log) when the kernel refuses; nothing stays loaded then.
   */
  start(): void {
    if (this.running) return;
    const obj = BpfObject.open(this.objectPath);
    try {
      const cpus = getLibbpf().numPossibleCpus() as number;
      obj.setMaxEntries('wake_ts', this.opts.maxTasks ?? Math.max(16384, 256 * Math.max(1, cpus)));
      obj.setMaxEntries('rqlat_hist', this.opts.maxCgroups ?? 4096);
      obj.load();
      this.hist = obj.map('rqlat_hist', 8, false);
      if (this.hist.valueSize !== SLO_RQLAT_HIST.size) {
        throw new Error(`${this.objectPath}: rqlat_hist values are ${this.hist.valueSize} bytes, expected ${SLO_RQLAT_HIST.size} (rebuild ` +
          `with \`make build-bpf\`)`);
      }
      this.links = attachAllPrograms(obj);
      this.obj = obj;
    } catch (err) {
      this.hist = undefined;
      obj.close();
      throw err;
    }
  }

  /** Every cgroup's histogram so far; empty when not running. */
  snapshot(): RunqueueLatencySnapshot {
    const out: RunqueueLatencySnapshot = new Map();
    const map = this.hist;
    if (!map || !this.running) return out;
    const libbpf = getLibbpf();
    const value = Buffer.alloc(map.bufferSize);
    // Walk the keys with get_next_key. An entry evicted meanwhile restarts the walk from
    // the first key, so seen keys are skipped and the walk is bounded.
    const limit = 2 * (this.opts.maxCgroups ?? 4096) + 16;
    let prev: Buffer | null = null;
    for (let steps = 0; steps < limit; steps++) {
      const key = Buffer.alloc(8);
      if ((libbpf.mapGetNextKey(map.fd, prev, key) as number) !== 0) break;
      prev = key;
      const id = Number(key.readBigUInt64LE(0));
      if (out.has(id)) continue;
      if (map.lookup(key, value)) out.set(id, decodeRqlatHist(value));
    }
    return out;
  }

  /** Detaches the programs and unloads everything; idempotent. */
  stop(): void {
    this.links?.destroy();
    this.links = undefined;
    this.hist = undefined;
    this.obj?.close();
    this.obj = undefined;
  }
}
