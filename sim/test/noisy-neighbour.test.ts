// The simulator's headline result: on the noisy-neighbour scenario, edf (with the
// kernel fast path) gives the latency-sensitive service a p99 wake-to-run latency far
// below fair's, while batch still gets more than 80% of the CPU the service leaves.
import test from 'ava';
import { BUILTIN_POLICIES } from '../../policy/registry.js';
import { policyJson } from '../result-json.js';
import { replayAll } from '../run-replays.js';
import { SCENARIOS } from '../scenarios/index.js';
import { model } from './helpers.js';

const CPUS = 16;
const DURATION = 2_000_000_000;
const workload = SCENARIOS.get('noisy-neighbour')!.generate({ cpus: CPUS, durationNs: DURATION, seed: 1 });
const [edf, fair, fifo] = replayAll(workload, ['edf', 'fair', 'fifo'].map((n) => BUILTIN_POLICIES.get(n)!), model(CPUS, DURATION)).map(policyJson);

test('the scenario oversubscribes the CPUs with batch next to a tight-budget service', (t) => {
  const web = workload.groups.find((g) => g.name === 'web')!;
  const batch = workload.groups.find((g) => g.name === 'batch')!;
  t.deepEqual(web.slo, { budgetNs: 2_000_000, importance: 90 });
  t.is(batch.slo, null);
  const batchThreads = workload.tasks.filter((task) => workload.groups[task.group] === batch).length;
  t.true(batchThreads >= 2 * CPUS && batchThreads <= 3 * CPUS);
});

test('edf gives the service a p99 wake-to-run latency well below fair', (t) => {
  const e = edf!.groups['web']!.wake_latency_ns.p99!;
  const f = fair!.groups['web']!.wake_latency_ns.p99!;
  t.true(e !== null && f !== null);
  t.true(e * 10 < f, `edf p99 ${e} ns vs fair p99 ${f} ns`);
  t.true(edf!.groups['web']!.miss_rate! < fair!.groups['web']!.miss_rate!);
  t.true(edf!.groups['web']!.request_latency_ns!.p99! < fair!.groups['web']!.request_latency_ns!.p99!);
});

test('batch still gets the CPU the service leaves', (t) => {
  for (const p of [edf!, fair!]) {
    const share = p.groups['batch']!.batch!.share_of_remaining!;
    t.true(share > 0.8, `batch got ${share} of the remaining capacity`);
    t.true(p.groups['batch']!.batch!.work_units > 0);
  }
  // The service got all the CPU it asked for (about 10% of the machine) under edf.
  t.true(Math.abs(edf!.groups['web']!.cpu_share - 0.1) < 0.02);
});

test('fifo, which ignores SLOs, starves the service behind 20 ms batch slices', (t) => {
  t.true(fifo!.groups['web']!.wake_latency_ns.p99! > fair!.groups['web']!.wake_latency_ns.p99!);
  t.true(fifo!.groups['web']!.miss_rate! > 0.5);
});
