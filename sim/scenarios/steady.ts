// Scenario `steady`: the low-load control. One service (5 ms budget, importance 80, 15%
// of the CPUs) and a few batch threads (a quarter of the CPUs), so the machine is never
// short of CPUs; every policy should give low latency and batch its full demand here.
import { SeededRandom } from '../prng.js';
import { WorkloadBuilder } from '../workload.js';
import { addBatch, addService, TaskIds, type Scenario } from './scenario.js';

export const steady: Scenario = {
  name: 'steady',
  description: 'low-load control: 5 ms-budget service (~15% CPU) + light batch',
  defaultCpus: 16,
  generate(params) {
    const rng = new SeededRandom(params.seed);
    const b = new WorkloadBuilder('steady', 'generated', params.cpus, params.durationNs, params.seed);
    const ids = new TaskIds();
    addService(b, ids, rng.fork(), {
      name: 'web', cgroupId: 101, slo: { budgetNs: 5_000_000, importance: 80 },
      workers: Math.max(2, Math.ceil(params.cpus / 2)), load: 0.15, medianDemandNs: 150_000, sigma: 0.6, backendFraction: 0.5, backendMedianNs: 300_000,
    }, params);
    addBatch(b, ids, rng.fork(), { name: 'batch', cgroupId: 201, slo: null, threads: Math.max(1, Math.floor(params.cpus / 4)), unitNs: 10_000_000,
      threadsPerProcess: 4 }, params);
    return b.build();
  },
};
