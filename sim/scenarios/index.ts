// The built-in workload generators, by name.
import { hostileTenant, hostileTenantNoGrants } from './hostile-tenant.js';
import { mixed } from './mixed.js';
import { noisyNeighbour } from './noisy-neighbour.js';
import type { Scenario } from './scenario.js';
import { service } from './service.js';
import { steady } from './steady.js';

export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map([
  [noisyNeighbour.name, noisyNeighbour],
  [mixed.name, mixed],
  [steady.name, steady],
  [service.name, service],
  [hostileTenant.name, hostileTenant],
  [hostileTenantNoGrants.name, hostileTenantNoGrants],
]);
