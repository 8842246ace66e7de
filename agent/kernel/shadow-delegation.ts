// Shadow delegation: the agent's real delegation loop and policy on a node whose own
// scheduler stays in charge. bpf/shadow.bpf.c sends the node's real wake-ups and
// re-queues as scx_slo's ops.enqueue() would and drains the decisions as ops.dispatch()
// would, timing each one (record submitted -> decision drained) into a histogram;
// nothing is applied. Used by `scx-slo shadow` (try a policy on a live node without
// taking it over) and `make bench-delegation`. Works on any kernel with BTF and
// bpf_user_ringbuf_drain (6.1+), sched_ext or not.
import { BpfObject } from '../bpf/bpf-object.js';
import { u32Key, u64Key, type BpfMap } from '../bpf/bpf-map.js';
import { RingReader } from '../bpf/ring-reader.js';
import { UserRingWriter } from '../bpf/user-ring-writer.js';
import { attachAllPrograms, type ProgramLinks } from '../bpf/program-attach.js';
import { Transport } from './transport.js';
import { DelegationLoop, type DelegationLoopOptions, type PolicyFaults } from './delegation-loop.js';
import {
  ClockOrigin, SLO_SHADOW_CTL, SLO_SHADOW_STATS, SHADOW_STATS_COUNTERS, SLO_SHADOW_BUCKETS, encodeSloCfg, readU64, shadowBucketBounds, writeU64,
  type ShadowStatsCounter,
} from './kernel-abi.js';
import type { PolicyRunner } from '../policy-runner/runner.js';
import type { SloEntry } from '../../policy/api.js';

export interface ShadowConfig {
  /** Path of shadow.bpf.o. */
  objectPath: string;
  defaultBudgetNs: number;
  defaultImportance: number;
  /**
   * The delegation loop's settings (as the live scheduler would run it). With batched
   * wake-ups the kernel gathers the batch: the loop's batch window and kernelGathers
   * follow wakeBatch, as in the live scheduler.
   */
  loop: Omit<DelegationLoopOptions, 'kernelGathers'>;
  /** Batched wake-ups (bpf/slo_ring_wake.bpf.h): records per wake-up (0, 1: the ring's own), oldest's wait bound. */
  wakeBatch?: number;
  wakeAfterNs?: number;
}

/** The shadow programs' counters summed over CPUs, with the latency histogram. */
export interface ShadowSnapshot {
  counters: Record<Exclude<ShadowStatsCounter, 'max_ns'>, number>;
  /** Longest decision latency on any CPU, ns. */
  maxNs: number;
  /** Decisions per bucket (kernel-abi.ts shadowBucketBounds gives each bucket's range). */
  histogram: number[];
}

/**
 * The latency under which a fraction `q` of the histogram's decisions fell, in us: the
 * upper bound of the bucket holding that decision (so a conservative reading).
 */
export function shadowPercentileUs(histogram: readonly number[], q: number): number {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return NaN;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= rank) return shadowBucketBounds(i)[1];
  }
  return Infinity;
}

/** Counter-wise difference b - a (max_ns is not a counter: b's). */
export function shadowDelta(a: ShadowSnapshot, b: ShadowSnapshot): ShadowSnapshot {
  const counters = { ...b.counters };
  for (const k of Object.keys(counters) as Array<keyof ShadowSnapshot['counters']>) counters[k] -= a.counters[k];
  return { counters, maxNs: b.maxNs, histogram: b.histogram.map((n, i) => n - a.histogram[i]!) };
}

export class ShadowDelegation {
  private constructor(
    private readonly obj: BpfObject,
    private readonly links: ProgramLinks,
    private readonly maps: { ctl: BpfMap; cfg: BpfMap; stats: BpfMap },
    private readonly tasksRing: RingReader,
    private readonly decisionsRing: UserRingWriter,
    private readonly loop: DelegationLoop,
    private readonly cfg: ShadowConfig,
    private readonly runner: PolicyRunner,
  ) {}

  /**
   * Loads and attaches the shadow programs and starts the loop with `runner` (closed by
   * stop()). `originNs` is the policy clock's origin the runner was made with.
   */
  static start(cfg: ShadowConfig, runner: PolicyRunner, originNs: bigint, log: (line: string) => void): ShadowDelegation {
    const obj = BpfObject.open(cfg.objectPath);
    let links: ProgramLinks | undefined;
    try {
      obj.load();
      const maps = { ctl: obj.map('shadow_ctl', 4), cfg: obj.map('shadow_slo_cfg', 8), stats: obj.map('shadow_stats', 4, true) };
      const batched = (cfg.wakeBatch ?? 0) > 1;
      const tasksRing = new RingReader('tasks_rb', obj.mapFd('tasks_rb'), obj.mapMaxEntries('tasks_rb'), batched);
      const decisionsRing = new UserRingWriter('decisions_urb', obj.mapFd('decisions_urb'), obj.mapMaxEntries('decisions_urb'));
      const transport = new Transport(tasksRing, decisionsRing, new ClockOrigin(originNs));
      const loopOpts = { ...cfg.loop, kernelGathers: batched, batchWindowNs: batched ? 0 : cfg.loop.batchWindowNs };
      const loop = new DelegationLoop(transport, tasksRing, () => runner, originNs, loopOpts, { onProgress: () => {}, log });
      links = attachAllPrograms(obj);
      const shadow = new ShadowDelegation(obj, links, maps, tasksRing, decisionsRing, loop, cfg, runner);
      shadow.writeCtl(true);
      loop.start();
      return shadow;
    } catch (err) {
      links?.destroy();
      obj.close();
      throw err;
    }
  }

  /** Entries in shadow_slo_cfg (0: the programs skip the cgroup walk). */
  private slos = 0;

  private writeCtl(enabled: boolean): void {
    const buf = Buffer.alloc(SLO_SHADOW_CTL.size);
    const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const f = SLO_SHADOW_CTL.offset;
    writeU64(v, f.default_budget_ns, this.cfg.defaultBudgetNs);
    v.setUint32(f.default_importance, this.cfg.defaultImportance, true);
    v.setUint32(f.agent_tgid, process.pid, true);
    v.setUint32(f.enabled, enabled ? 1 : 0, true);
    v.setUint32(f.nr_slos, this.slos, true);
    v.setUint32(f.wake_batch, this.cfg.wakeBatch ?? 0, true);
    writeU64(v, f.wake_after_ns, this.cfg.wakeAfterNs ?? 0);
    this.maps.ctl.update(u32Key(0), buf);
  }

  /** Sets (or with undefined removes) a cgroup's SLO, in the programs and the policy. */
  setSlo(cgroupId: number, slo: SloEntry | undefined): void {
    if (slo) {
      this.maps.cfg.update(u64Key(cgroupId), encodeSloCfg(slo));
    } else {
      this.maps.cfg.delete(u64Key(cgroupId));
    }
    this.runner.setSlo(cgroupId, slo);
    this.slos = [...this.maps.cfg.keys()].length;
    this.writeCtl(true);
  }

  get loopCounters(): DelegationLoop['counters'] {
    return { ...this.loop.counters };
  }

  get policyFaults(): PolicyFaults {
    return { ...this.loop.faults };
  }

  snapshot(): ShadowSnapshot {
    const counters = Object.fromEntries(SHADOW_STATS_COUNTERS.filter((c) => c !== 'max_ns').map((c) => [c, 0])) as ShadowSnapshot['counters'];
    const histogram = new Array<number>(SLO_SHADOW_BUCKETS).fill(0);
    let maxNs = 0;
    const buf = this.maps.stats.lookup(u32Key(0));
    if (buf) {
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      const histAt = SLO_SHADOW_STATS.offset.lat_hist;
      for (let cpu = 0; cpu < this.maps.stats.nrCpus; cpu++) {
        const base = cpu * this.maps.stats.slotSize;
        SHADOW_STATS_COUNTERS.forEach((name, i) => {
          const value = readU64(view, base + 8 * i);
          if (name === 'max_ns') maxNs = Math.max(maxNs, value);
          else counters[name] += value;
        });
        for (let b = 0; b < SLO_SHADOW_BUCKETS; b++) histogram[b]! += readU64(view, base + histAt + 8 * b);
      }
    }
    return { counters, maxNs, histogram };
  }

  /** Stops sending, ends the loop, detaches the programs and closes the runner. */
  async stop(): Promise<void> {
    this.writeCtl(false);
    await this.loop.stop();
    this.links.destroy();
    this.tasksRing.close();
    this.decisionsRing.close();
    this.obj.close();
    await this.runner.close();
  }
}
