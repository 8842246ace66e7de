// The hostile-tenant scenario: a hog annotated 1 us / importance 100 in a namespace nobody
// granted takes a 50 ms / 50 service's CPU when SLOs apply as written, and cannot once the
// default grants clamp it (policy/slo-grant.ts): the victim then misses no more than
// without the hog at all.
import test from 'ava';
import { BUILTIN_POLICIES } from '../../policy/registry.js';
import { DEFAULT_SLO_GRANTS } from '../../policy/slo-grant.js';
import { policyJson } from '../result-json.js';
import { replayAll } from '../run-replays.js';
import { hostileTenantWorkload, HOG_REQUESTED_SLO } from '../scenarios/hostile-tenant.js';
import { SCENARIOS } from '../scenarios/index.js';
import { model } from './helpers.js';

const CPUS = 4;
const DURATION = 2_000_000_000;
const params = { cpus: CPUS, durationNs: DURATION, seed: 1 };
const edf = BUILTIN_POLICIES.get('edf')!;

function victimMissRate(workload: ReturnType<typeof hostileTenantWorkload>): number {
  const [result] = replayAll(workload, [edf], model(CPUS, DURATION)).map(policyJson);
  return result!.groups['victim']!.miss_rate!;
}

test('the registered hostile-tenant scenario clamps the hog to the default grant', (t) => {
  const w = SCENARIOS.get('hostile-tenant')!.generate(params);
  t.deepEqual(w.groups.find((g) => g.name === 'hog')!.slo, { budgetNs: 100_000_000, importance: 50 });
  const ungoverned = SCENARIOS.get('hostile-tenant-no-grants')!.generate(params);
  t.deepEqual(ungoverned.groups.find((g) => g.name === 'hog')!.slo, HOG_REQUESTED_SLO);
});

test('with the default grants the victim misses at most 1%, as without the hog', (t) => {
  const limited = victimMissRate(hostileTenantWorkload(params, { grants: DEFAULT_SLO_GRANTS }));
  const alone = victimMissRate(hostileTenantWorkload(params, { grants: DEFAULT_SLO_GRANTS, withoutHog: true }));
  t.true(limited <= 0.01, `victim miss rate with the hog clamped: ${limited}`);
  t.true(limited <= alone + 0.01, `with the hog ${limited}, alone ${alone}`);
});

test('without grants the hog takes the victim past half its deadlines', (t) => {
  const unlimited = victimMissRate(hostileTenantWorkload(params, { grants: null }));
  t.true(unlimited > 0.5, `victim miss rate with the hog unclamped: ${unlimited}`);
});
