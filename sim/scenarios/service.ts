// Scenario `service`: the Kubernetes-shaped node `make demo` measures. Two pods' worth of
// cgroups laid out as kubelet would on a cgroup v2 node: a service pod requesting 250m
// CPU and batch pods requesting 1750m in all, their cpu.weight from kubelet's conversion
// (kubelet-cpu-weight.ts). The service gets open-loop requests (exponential
// inter-arrival times, 10 ms mean, on a seeded schedule whatever its progress), each 2 ms
// of CPU, served from one shared queue by 2 worker threads; its latency runs from a
// request's scheduled arrival to its completion (no coordinated omission). Batch is
// 2 CPU-bound threads per CPU (2x oversubscribed). SLOs: service 20 ms / importance 90,
// batch 1 s / importance 10. Default 2 CPUs, as the demo's guest.
import { kubeletCpuWeight } from '../kubelet-cpu-weight.js';
import { SeededRandom } from '../prng.js';
import { Op, WorkloadBuilder, type Workload } from '../workload.js';
import { addBatch, TaskIds, type Scenario, type ScenarioParams } from './scenario.js';

/** The service pod's CPU request and the batch pods' together, millicores. */
export const SERVICE_CPU_REQUEST_MILLI = 250;
export const BATCH_CPU_REQUEST_MILLI = 1750;
/** Mean time between request arrivals, ns. */
export const SERVICE_MEAN_GAP_NS = 10_000_000;
/** CPU per request, ns. */
export const SERVICE_REQUEST_CPU_NS = 2_000_000;
export const SERVICE_WORKERS = 2;
/** Batch threads per CPU. */
export const BATCH_THREADS_PER_CPU = 2;
export const SERVICE_SLO = { budgetNs: 20_000_000, importance: 90 };
export const BATCH_SLO = { budgetNs: 1_000_000_000, importance: 10 };

const PID_BASE = 1000;

/** The open-loop request schedule: arrival times with exponential gaps, until the end. */
export function serviceArrivals(rng: SeededRandom, durationNs: number): number[] {
  const arrivals: number[] = [];
  for (let t = rng.exponential(SERVICE_MEAN_GAP_NS); t < durationNs; t += rng.exponential(SERVICE_MEAN_GAP_NS)) arrivals.push(Math.round(t));
  return arrivals;
}

function generate(params: ScenarioParams): Workload {
  const rng = new SeededRandom(params.seed);
  const b = new WorkloadBuilder('service', 'generated', params.cpus, params.durationNs, params.seed);
  const ids = new TaskIds();
  const group = b.addGroup({
    name: 'service',
    cgroupId: 101,
    kind: 'service',
    slo: SERVICE_SLO,
    cpuWeight: kubeletCpuWeight(SERVICE_CPU_REQUEST_MILLI),
    description: `service pod (${SERVICE_CPU_REQUEST_MILLI}m): ${SERVICE_WORKERS} workers on one queue, open-loop requests every ` +
      `${SERVICE_MEAN_GAP_NS / 1e6} ms on average, ${SERVICE_REQUEST_CPU_NS / 1e6} ms CPU each`,
  });
  const arrivals = serviceArrivals(rng.fork(), params.durationNs);
  for (const at of arrivals) b.arrival(group, at);
  let tgid = 0;
  for (let i = 0; i < SERVICE_WORKERS; i++) {
    const id = ids.take();
    const pid = PID_BASE + id;
    if (i === 0) tgid = pid;
    const worker = b.addTask({ id, pid, tgid, group, comm: `service-w${i}`, startNs: 0 });
    // Any worker may serve every request: it takes them from the queue as it gets free.
    for (let r = 0; r < arrivals.length; r++) {
      b.op(worker, Op.TAKE);
      b.op(worker, Op.RUN, SERVICE_REQUEST_CPU_NS);
      b.op(worker, Op.DONE);
    }
  }
  addBatch(b, ids, rng.fork(), {
    name: 'batch',
    cgroupId: 201,
    slo: BATCH_SLO,
    threads: BATCH_THREADS_PER_CPU * params.cpus,
    unitNs: 10_000_000,
    threadsPerProcess: BATCH_THREADS_PER_CPU * params.cpus,
    cpuWeight: kubeletCpuWeight(BATCH_CPU_REQUEST_MILLI),
  }, params);
  return b.build();
}

export const service: Scenario = {
  name: 'service',
  description: 'Kubernetes-shaped node: 20 ms-budget service pod (250m, 2 workers, open loop) + batch pods (1750m) 2x oversubscribed',
  defaultCpus: 2,
  generate,
};
