// Scenario `mixed`: three services with different budgets and importances (a tight
// frontend, a mid-budget API, a lax reporting service) plus two batch groups (one with
// no SLO, one with a lax 1 s SLO), oversubscribed about 2x. It shows how a policy trades
// latency between workloads of different importance.
import { SeededRandom } from '../prng.js';
import { WorkloadBuilder } from '../workload.js';
import { addBatch, addService, TaskIds, type Scenario } from './scenario.js';

export const mixed: Scenario = {
  name: 'mixed',
  description: '3 services (2 ms/90, 10 ms/70, 100 ms/30) + batch, ~2x oversubscribed',
  defaultCpus: 16,
  generate(params) {
    const rng = new SeededRandom(params.seed);
    const b = new WorkloadBuilder('mixed', 'generated', params.cpus, params.durationNs, params.seed);
    const ids = new TaskIds();
    const quarter = Math.max(2, Math.ceil(params.cpus / 4));
    addService(b, ids, rng.fork(), {
      name: 'frontend', cgroupId: 101, slo: { budgetNs: 2_000_000, importance: 90 },
      workers: quarter, load: 0.06, medianDemandNs: 80_000, sigma: 0.5, backendFraction: 0.3, backendMedianNs: 200_000,
    }, params);
    addService(b, ids, rng.fork(), {
      name: 'api', cgroupId: 102, slo: { budgetNs: 10_000_000, importance: 70 },
      workers: quarter, load: 0.1, medianDemandNs: 400_000, sigma: 0.7, backendFraction: 0.7, backendMedianNs: 1_000_000,
    }, params);
    addService(b, ids, rng.fork(), {
      name: 'reports', cgroupId: 103, slo: { budgetNs: 100_000_000, importance: 30 },
      workers: Math.max(2, Math.ceil(params.cpus / 8)), load: 0.08, medianDemandNs: 3_000_000, sigma: 0.8, backendFraction: 0.5, backendMedianNs: 5_000_000,
    }, params);
    addBatch(b, ids, rng.fork(), { name: 'etl', cgroupId: 201, slo: null, threads: Math.ceil(params.cpus * 1.5), unitNs: 20_000_000,
      threadsPerProcess: 8 }, params);
    addBatch(b, ids, rng.fork(), { name: 'backup', cgroupId: 202, slo: { budgetNs: 1_000_000_000, importance: 5 }, threads: Math.ceil(params.cpus * 0.5),
      unitNs: 5_000_000, threadsPerProcess: 4 }, params);
    return b.build();
  },
};
