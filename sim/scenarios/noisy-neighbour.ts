// Scenario `noisy-neighbour`: a latency-sensitive request/response service ("web", 2 ms
// budget, importance 90, about 10% of the CPUs) sharing the machine with CPU-bound batch
// jobs ("batch", no SLO) that oversubscribe the CPUs 2.5 times. The question it asks:
// does the service keep its latency while batch still gets the CPU that is left?
import { SeededRandom } from '../prng.js';
import { WorkloadBuilder } from '../workload.js';
import { addBatch, addService, TaskIds, type Scenario } from './scenario.js';

export const noisyNeighbour: Scenario = {
  name: 'noisy-neighbour',
  description: '2 ms-budget service (imp 90, ~10% CPU) + batch oversubscribing 2.5x',
  defaultCpus: 16,
  generate(params) {
    const rng = new SeededRandom(params.seed);
    const b = new WorkloadBuilder('noisy-neighbour', 'generated', params.cpus, params.durationNs, params.seed);
    const ids = new TaskIds();
    addService(b, ids, rng.fork(), {
      name: 'web',
      cgroupId: 101,
      slo: { budgetNs: 2_000_000, importance: 90 },
      workers: Math.max(2, Math.ceil(params.cpus / 2)),
      load: 0.1,
      medianDemandNs: 100_000,
      sigma: 0.6,
      backendFraction: 0.5,
      backendMedianNs: 300_000,
    }, params);
    addBatch(b, ids, rng.fork(), {
      name: 'batch',
      cgroupId: 201,
      slo: null,
      threads: Math.ceil(params.cpus * 2.5),
      unitNs: 10_000_000,
      threadsPerProcess: 4,
    }, params);
    return b.build();
  },
};
