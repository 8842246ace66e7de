// The eevdf kernel-default baseline (sim/eevdf.ts): wake-up preemption of a CPU hog by
// a periodic short sleeper and the wait bound that follows from the base slice, CPU split
// by weight, the base-slice scaling, work conservation, determinism, the wake-up cost of
// both simulators, and `--policy edf,eevdf` through the CLI.
import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { NICE0_WEIGHT } from '../../policy/api.js';
import { BUILTIN_POLICIES } from '../../policy/registry.js';
import { simulate } from '../engine.js';
import type { SimResult } from '../sim-result.js';
import { eevdfBaseSliceNs, EEVDF_NORMALIZED_BASE_SLICE_NS, simulateEevdf } from '../eevdf.js';
import type { SimResultJson } from '../result-json.js';
import { SCENARIOS } from '../scenarios/index.js';
import { Op, WorkloadBuilder, type Workload } from '../workload.js';
import { model } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/** One hog (runs all the time) and one sleeper (runs `burst`, sleeps `period - burst`). */
function hogAndSleeper(cpus: number, durationNs: number, burst: number, period: number, hogWeight = NICE0_WEIGHT): Workload {
  const b = new WorkloadBuilder('hog+sleeper', 'test', cpus, durationNs);
  const hogs = b.addGroup({ name: 'hog', kind: 'batch', cgroupId: 100, slo: null });
  const svc = b.addGroup({ name: 'sleeper', kind: 'service', cgroupId: 101, slo: { budgetNs: 5_000_000, importance: 90 } });
  const h = b.addTask({ id: 1, group: hogs, startNs: 0, weight: hogWeight });
  b.op(h, Op.RUN, durationNs * 2);
  const s = b.addTask({ id: 2, group: svc, startNs: 100_000 });
  for (let t = 100_000; t < durationNs; t += period) {
    b.op(s, Op.RUN, burst);
    b.op(s, Op.SLEEP, period - burst);
  }
  return b.build();
}

/** Within the latency histogram's resolution (0.4%). */
function near(actual: number | null, expected: number): boolean {
  return actual !== null && Math.abs(actual - expected) <= 0.004 * expected;
}

function cpuAddsUp(r: SimResult): number {
  return (r.groups.reduce((s, g) => s + g.cpuNs, 0) + r.totals.switchNs + r.totals.idleNs) / (r.model.cpus * r.model.durationNs);
}

test('base slice: 0.7 ms scaled by 1 + ilog2(cpus), cpus capped at 8 (SCHED_TUNABLESCALING_LOG)', (t) => {
  for (const cpus of [1, 2, 3, 4, 7, 8, 16, 64]) {
    const factor = 1 + Math.floor(Math.log2(Math.min(cpus, 8)));
    t.is(eevdfBaseSliceNs(cpus), EEVDF_NORMALIZED_BASE_SLICE_NS * factor, `${cpus} CPUs`);
  }
  t.is(eevdfBaseSliceNs(16), eevdfBaseSliceNs(8));
});

test('a periodic short sleeper preempts a CPU hog on wake-up; its waits stay within a protected slice', (t) => {
  const csw = 1_000;
  const tick = 1_000_000;
  const w = hogAndSleeper(1, 2_000_000_000, 50_000, 5_000_000);
  const r = simulateEevdf(w, model(1, 2_000_000_000, { contextSwitchNs: csw, tickNs: tick }), { checkInvariants: true });
  const sleeper = r.groups[1]!;
  t.true(sleeper.wakeLatency.count > 300);
  t.true(r.totals.preemptKicks > 0, 'wake-up preemption happened');
  // Woken with lag banked while it waited before, the sleeper takes the CPU at once: the
  // wait is the switch alone for most wake-ups.
  t.true(near(sleeper.wakeLatency.quantile(0.5), csw), `p50 ${sleeper.wakeLatency.quantile(0.5)}`);
  // When it has no lag left, the hog keeps its protected slice (RUN_TO_PARITY): at most a
  // base slice of the hog's virtual time, ended at the next tick, then the switch.
  const bound = eevdfBaseSliceNs(1) + tick + csw;
  t.true(sleeper.wakeLatency.max <= bound, `max wait ${sleeper.wakeLatency.max} <= ${bound}`);
  t.true(Math.abs(cpuAddsUp(r) - 1) < 1e-9);
  // The sleeper got all the CPU it asked for; the hog the rest.
  t.true(Math.abs(sleeper.cpuNs - sleeper.burstsCompleted * 50_000) <= 50_000);
});

test('without wake-up preemption the sleeper would wait: the same workload under the sim fair policy', (t) => {
  const w = hogAndSleeper(1, 500_000_000, 50_000, 5_000_000);
  const m = model(1, 500_000_000, { contextSwitchNs: 1_000 });
  const eevdf = simulateEevdf(w, m);
  const fair = simulate(w, BUILTIN_POLICIES.get('fair')!, m);
  t.true(eevdf.groups[1]!.wakeLatency.quantile(0.5)! < fair.groups[1]!.wakeLatency.quantile(0.5)!);
  t.is(fair.totals.preemptKicks, 0);
});

test('flat (no cgroups): two hogs on one CPU share it in proportion to their weights', (t) => {
  const d = 3_000_000_000;
  const b = new WorkloadBuilder('weights', 'test', 1, d);
  const heavy = b.addGroup({ name: 'heavy', kind: 'batch', cgroupId: 100, slo: null });
  const light = b.addGroup({ name: 'light', kind: 'batch', cgroupId: 101, slo: null });
  b.op(b.addTask({ id: 1, group: heavy, startNs: 0, weight: 2 * NICE0_WEIGHT }), Op.RUN, 2 * d);
  b.op(b.addTask({ id: 2, group: light, startNs: 0, weight: NICE0_WEIGHT }), Op.RUN, 2 * d);
  const r = simulateEevdf(b.build(), model(1, d, { contextSwitchNs: 0, baselineCgroups: false }), { checkInvariants: true });
  const ratio = r.groups[0]!.cpuNs / r.groups[1]!.cpuNs;
  t.true(Math.abs(ratio - 2) < 0.05, `heavy/light CPU = ${ratio}`);
  t.is(r.groups[0]!.cpuNs + r.groups[1]!.cpuNs, d);
});

for (const scenario of SCENARIOS.values()) {
  test(`${scenario.name} / eevdf: no CPU idles while a task waits, CPU time adds up`, (t) => {
    const w = scenario.generate({ cpus: 4, durationNs: 300_000_000, seed: 7 });
    const r = simulateEevdf(w, model(4, 300_000_000), { checkInvariants: true });
    t.true(r.totals.events > 100);
    t.true(Math.abs(cpuAddsUp(r) - 1) < 1e-9, `CPU time adds up to ${cpuAddsUp(r)}`);
    t.is(r.policy, 'eevdf');
  });
}

test('eevdf: the same seed gives the same replay; another seed another one', (t) => {
  const gen = (seed: number) => SCENARIOS.get('noisy-neighbour')!.generate({ cpus: 8, durationNs: 200_000_000, seed });
  const sig = (r: SimResult) => JSON.stringify({ totals: r.totals, groups: r.groups.map((g) => [g.cpuNs, g.runs, g.lateRuns, g.wakeLatency.quantile(0.99),
    g.requestLatency?.quantile(0.99)]) });
  const a = simulateEevdf(gen(3), model(8, 200_000_000));
  const b = simulateEevdf(gen(3), model(8, 200_000_000));
  const c = simulateEevdf(gen(4), model(8, 200_000_000));
  t.is(sig(a), sig(b));
  t.not(sig(a), sig(c));
});

test('wake-up cost: on an idle machine every wake-up waits the cost (plus the switch the first time), in both simulators', (t) => {
  const b = new WorkloadBuilder('sleeper', 'test', 2, 100_000_000);
  const g = b.addGroup({ name: 's', kind: 'service', cgroupId: 100, slo: { budgetNs: 2_000_000, importance: 90 } });
  const k = b.addTask({ id: 1, group: g, startNs: 0 });
  for (let i = 0; i < 50; i++) {
    b.op(k, Op.RUN, 10_000);
    b.op(k, Op.SLEEP, 1_000_000);
  }
  const w = b.build();
  const m = model(2, 100_000_000, { contextSwitchNs: 3_000, wakeupNs: 40_000, baselineWakeupNs: 7_000 });
  const edf = simulate(w, BUILTIN_POLICIES.get('edf')!, m, { checkInvariants: true });
  const fair = simulate(w, BUILTIN_POLICIES.get('fair')!, m, { checkInvariants: true });
  const eevdf = simulateEevdf(w, m, { checkInvariants: true });
  for (const [r, cost] of [[edf, m.wakeupNs], [fair, m.wakeupNs], [eevdf, m.baselineWakeupNs]] as const) {
    const lat = r.groups[0]!.wakeLatency;
    t.is(lat.count, 50, r.policy);
    // The CPU last ran this task: resuming it costs no switch, except at the first start.
    t.true(near(lat.quantile(0.5), cost), `${r.policy}: p50 ${lat.quantile(0.5)}`);
    t.is(lat.max, cost + m.contextSwitchNs, r.policy);
    t.is(lat.min, cost, r.policy);
    t.is(r.groups[0]!.cpuNs, 50 * 10_000, r.policy);
  }
  // The default (0) changes nothing: the first start costs the switch only.
  const none = simulate(w, BUILTIN_POLICIES.get('edf')!, model(2, 100_000_000, { contextSwitchNs: 3_000 }));
  t.is(none.groups[0]!.wakeLatency.max, 3_000);
});

test('`sim --policy edf,eevdf --json` reports the baseline beside the policy, with the wake-up costs in the model', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, [
    MAIN, 'sim', '--scenario', 'noisy-neighbour', '--cpus', '4', '--duration-ms', '300', '--policy', 'edf,eevdf',
    '--wakeup-us', '20', '--baseline-wakeup-us', '5', '--json', '--no-progress',
  ], { maxBuffer: 64 << 20 });
  const doc = JSON.parse(stdout) as SimResultJson;
  t.deepEqual(Object.keys(doc.policies), ['edf', 'eevdf']);
  t.is(doc.model.wakeup_ns, 20_000);
  t.is(doc.model.baseline_wakeup_ns, 5_000);
  t.is(doc.model.baseline_base_slice_ns, eevdfBaseSliceNs(4));
  t.false(doc.policies['eevdf']!.kernel_fast_path);
  t.true(doc.policies['eevdf']!.totals.context_switches > 0);
  t.is(doc.policies['eevdf']!.totals.to_policy, 0);
});
