// Scenarios `hostile-tenant` and `hostile-tenant-no-grants`: a tenant tries to take the
// CPU. A request/response service ("victim", 50 ms budget, importance 50, about 30% of the
// CPUs) shares the machine with a CPU-bound "hog" in another namespace whose pods are
// annotated as tightly as the annotations allow (1 us budget, importance 100), with
// enough threads to oversubscribe the CPUs 2.5 times. Nobody granted the hog's namespace
// anything, so with the agent's grants at their defaults (policy/slo-grant.ts) its SLO
// is clamped to 100 ms / importance 50 before it reaches the scheduler, exactly as the
// agent's Kubernetes source does; `hostile-tenant-no-grants` applies the annotations as
// written, for contrast. The question: does the victim keep its SLO?
import { clampToGrant, DEFAULT_SLO_GRANTS, grantFor, UNLIMITED_SLO_GRANT, type SloGrants } from '../../policy/slo-grant.js';
import type { SloEntry } from '../../policy/api.js';
import { SeededRandom } from '../prng.js';
import { WorkloadBuilder } from '../workload.js';
import { addBatch, addService, TaskIds, type Scenario, type ScenarioParams } from './scenario.js';

/** What the hog's pods ask for: the tightest SLO the annotations accept. */
export const HOG_REQUESTED_SLO: SloEntry = { budgetNs: 1_000, importance: 100 };
/** The victim's SLO, within what its namespace was granted. */
export const VICTIM_SLO: SloEntry = { budgetNs: 50_000_000, importance: 50 };
/** The hog's namespace (nobody granted it anything). */
export const HOG_NAMESPACE = 'tenant-hog';

export interface HostileTenantOptions {
  /** The cluster's grants (null: none enforced, every SLO applies as written). */
  grants: SloGrants | null;
  /** Leave the hog out (the victim's baseline). */
  withoutHog?: boolean;
}

/** The SLO a workload of `namespace` asking for `requested` gets under `grants`. */
function grantedSlo(grants: SloGrants | null, namespace: string, requested: SloEntry): SloEntry {
  return clampToGrant(requested, grants ? grantFor(grants, namespace) : UNLIMITED_SLO_GRANT).slo;
}

/** The hostile-tenant workload under `options` (the scenarios below, and tests' variants). */
export function hostileTenantWorkload(params: ScenarioParams, options: HostileTenantOptions, name = 'hostile-tenant') {
  const rng = new SeededRandom(params.seed);
  const b = new WorkloadBuilder(name, 'generated', params.cpus, params.durationNs, params.seed);
  const ids = new TaskIds();
  addService(b, ids, rng.fork(), {
    name: 'victim',
    cgroupId: 101,
    slo: VICTIM_SLO,
    workers: Math.max(2, params.cpus * 2),
    load: 0.3,
    medianDemandNs: 2_000_000,
    sigma: 0.6,
    backendFraction: 0.3,
    backendMedianNs: 1_000_000,
  }, params);
  const hogRng = rng.fork();
  if (!options.withoutHog) {
    addBatch(b, ids, hogRng, {
      name: 'hog',
      cgroupId: 201,
      slo: grantedSlo(options.grants, HOG_NAMESPACE, HOG_REQUESTED_SLO),
      threads: Math.ceil(params.cpus * 2.5),
      unitNs: 10_000_000,
      threadsPerProcess: 1,
    }, params);
  }
  return b.build();
}

export const hostileTenant: Scenario = {
  name: 'hostile-tenant',
  description: '50 ms / imp 50 service + a hog annotated 1 us / imp 100 in an ungranted namespace (grants at their defaults)',
  defaultCpus: 4,
  generate: (params) => hostileTenantWorkload(params, { grants: DEFAULT_SLO_GRANTS }, 'hostile-tenant'),
};

export const hostileTenantNoGrants: Scenario = {
  name: 'hostile-tenant-no-grants',
  description: 'hostile-tenant with no SLO grants enforced (the hog gets 1 us / imp 100), for contrast',
  defaultCpus: 4,
  generate: (params) => hostileTenantWorkload(params, { grants: null }, 'hostile-tenant-no-grants'),
};
