// What a workload generator is, and the building blocks the built-in scenarios share: a
// request/response service (open-loop Poisson arrivals handed round-robin to worker
// threads, each request a CPU burst, sometimes split by a backend call) and CPU-bound
// batch jobs (back-to-back work units).
import type { SeededRandom } from '../prng.js';
import { Op, type WorkloadBuilder, type Workload } from '../workload.js';

export interface ScenarioParams {
  cpus: number;
  durationNs: number;
  seed: number;
}

export interface Scenario {
  name: string;
  /** One line for --help. */
  description: string;
  /** Default CPU count when --cpus is not given. */
  defaultCpus: number;
  generate(params: ScenarioParams): Workload;
}

export interface ServiceSpec {
  name: string;
  cgroupId: number;
  slo: { budgetNs: number; importance: number } | null;
  workers: number;
  /** Average fraction of the machine's CPU capacity the service uses. */
  load: number;
  /** Median CPU time per request, ns (log-normal, shape `sigma`). */
  medianDemandNs: number;
  sigma: number;
  /** Fraction of requests that call a backend mid-way (the worker sleeps). */
  backendFraction: number;
  /** Median backend call time, ns (log-normal, shape 0.5). */
  backendMedianNs: number;
}

export interface BatchSpec {
  name: string;
  cgroupId: number;
  slo: { budgetNs: number; importance: number } | null;
  /** Number of CPU-bound threads. */
  threads: number;
  /** CPU time per work unit, ns. */
  unitNs: number;
  /** Threads per process (tgid). */
  threadsPerProcess: number;
  /** The group's cgroup cpu.weight (absent = 100). */
  cpuWeight?: number;
}

/** Allocates task ids and pids for a scenario. */
export class TaskIds {
  private next = 1;
  take(): number {
    return this.next++;
  }
}

const PID_BASE = 1000;

/** Mean of a log-normal distribution with this median and shape. */
function logNormalMean(median: number, sigma: number): number {
  return median * Math.exp((sigma * sigma) / 2);
}

export function addService(b: WorkloadBuilder, ids: TaskIds, rng: SeededRandom, spec: ServiceSpec, params: ScenarioParams): void {
  const group = b.addGroup({ name: spec.name, cgroupId: spec.cgroupId, kind: 'service', slo: spec.slo,
    description: `request/response service, ${spec.workers} workers, ${Math.round(spec.load * 100)}% of the CPUs` });
  const workers: number[] = [];
  let tgid = 0;
  for (let i = 0; i < spec.workers; i++) {
    const id = ids.take();
    const pid = PID_BASE + id;
    if (i === 0) tgid = pid;
    workers.push(b.addTask({ id, pid, tgid, group, comm: `${spec.name}-w${i}`, startNs: 0 }));
  }
  const meanDemand = logNormalMean(spec.medianDemandNs, spec.sigma);
  const ratePerNs = (spec.load * params.cpus) / meanDemand;
  const meanGap = 1 / ratePerNs;
  let t = rng.exponential(meanGap);
  let next = 0;
  while (t < params.durationNs) {
    const w = workers[next]!;
    next = (next + 1) % workers.length;
    const demand = Math.max(1000, Math.round(rng.logNormal(spec.medianDemandNs, spec.sigma)));
    b.op(w, Op.REQUEST, Math.round(t));
    if (rng.next() < spec.backendFraction) {
      const first = Math.max(500, Math.round(demand * 0.4));
      b.op(w, Op.RUN, first);
      b.op(w, Op.SLEEP, Math.max(1000, Math.round(rng.logNormal(spec.backendMedianNs, 0.5))));
      b.op(w, Op.RUN, Math.max(500, demand - first));
    } else {
      b.op(w, Op.RUN, demand);
    }
    b.op(w, Op.DONE);
    t += rng.exponential(meanGap);
  }
}

export function addBatch(b: WorkloadBuilder, ids: TaskIds, rng: SeededRandom, spec: BatchSpec, params: ScenarioParams): void {
  const group = b.addGroup({
    name: spec.name,
    cgroupId: spec.cgroupId,
    kind: 'batch',
    slo: spec.slo,
    description: `${spec.threads} CPU-bound threads, ${spec.unitNs / 1e6} ms work units`,
    ...(spec.cpuWeight === undefined ? {} : { cpuWeight: spec.cpuWeight }),
  });
  // Enough units to keep a thread busy for the whole run even if it had a CPU to itself.
  const units = Math.ceil(params.durationNs / spec.unitNs) + 1;
  let tgid = 0;
  for (let i = 0; i < spec.threads; i++) {
    const id = ids.take();
    const pid = PID_BASE + id;
    if (i % spec.threadsPerProcess === 0) tgid = pid;
    const task = b.addTask({ id, pid, tgid, group, comm: `${spec.name}-${i}`, startNs: rng.int(0, 2_000_000) });
    for (let u = 0; u < units; u++) b.op(task, Op.RUN, spec.unitNs);
  }
}
