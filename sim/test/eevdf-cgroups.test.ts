// The eevdf baseline's cgroup hierarchy (sim/eevdf.ts, model.baselineCgroups): cgroups
// share a CPU by their group entities' weights whatever their task counts, a cgroup's
// shares split across CPUs by load, a probe in its own cgroup keeps its wake-up bound
// however many hogs the other cgroup has (unlike the flat model), and groups in the root
// cgroup replay exactly as the flat model.
import test from 'ava';
import { NICE0_WEIGHT } from '../../policy/api.js';
import type { SimResult } from '../sim-result.js';
import { cgroupLevels, cgroupShares, eevdfBaseSliceNs, EevdfSimulation, simulateEevdf } from '../eevdf.js';
import { SCENARIOS } from '../scenarios/index.js';
import { Op, WorkloadBuilder, type Workload } from '../workload.js';
import type { SimModel } from '../sim-model.js';
import { model } from './helpers.js';

/** Cgroup "a" with `a` CPU hogs and cgroup "b" with `b`, all started at 0; their cpu.weight when given. */
function hogCgroups(cpus: number, durationNs: number, a: number, b: number, weights: [number, number] | null = null): Workload {
  const w = new WorkloadBuilder('hogs', 'test', cpus, durationNs);
  const ga = w.addGroup({ name: 'a', kind: 'batch', cgroupId: 100, slo: null, ...(weights === null ? {} : { cpuWeight: weights[0] }) });
  const gb = w.addGroup({ name: 'b', kind: 'batch', cgroupId: 101, slo: null, ...(weights === null ? {} : { cpuWeight: weights[1] }) });
  let id = 1;
  for (let i = 0; i < a; i++) w.op(w.addTask({ id: id++, group: ga, startNs: 0 }), Op.RUN, 2 * durationNs);
  for (let i = 0; i < b; i++) w.op(w.addTask({ id: id++, group: gb, startNs: 0 }), Op.RUN, 2 * durationNs);
  return w.build();
}

/** A probe (20 us every 5 ms) in cgroup "probe" and `hogs` CPU hogs in cgroup "batch". */
function probeAndHogs(cpus: number, durationNs: number, hogs: number): Workload {
  const b = new WorkloadBuilder('probe+hogs', 'test', cpus, durationNs);
  const batch = b.addGroup({ name: 'batch', kind: 'batch', cgroupId: 100, slo: null });
  const probe = b.addGroup({ name: 'probe', kind: 'service', cgroupId: 101, slo: null });
  for (let i = 0; i < hogs; i++) b.op(b.addTask({ id: 1 + i, group: batch, startNs: 0 }), Op.RUN, 2 * durationNs);
  const s = b.addTask({ id: 1000, group: probe, startNs: 100_000 });
  for (let t = 100_000; t < durationNs; t += 5_000_000) {
    b.op(s, Op.RUN, 20_000);
    b.op(s, Op.SLEEP, 4_980_000);
  }
  return b.build();
}

test('cgroups: two cgroups of hogs share one CPU evenly whatever their task counts; flat, by task count', (t) => {
  const d = 2_000_000_000;
  for (const n of [1, 3]) {
    const w = hogCgroups(1, d, 1, n);
    const tree = simulateEevdf(w, model(1, d, { contextSwitchNs: 0 }), { checkInvariants: true });
    const flat = simulateEevdf(w, model(1, d, { contextSwitchNs: 0, baselineCgroups: false }), { checkInvariants: true });
    const shareA = (r: SimResult): number => r.groups[0]!.cpuNs / d;
    t.true(Math.abs(shareA(tree) - 0.5) < 0.02, `1 vs ${n} hogs, cgroups: a's share ${shareA(tree)}`);
    t.true(Math.abs(shareA(flat) - 1 / (n + 1)) < 0.02, `1 vs ${n} hogs, flat: a's share ${shareA(flat)}`);
  }
});

test('cgroups: a cgroup\'s shares split across CPUs by its runnable load (calc_group_shares)', (t) => {
  const d = 200_000_000;
  // 4 hogs of "b" on 2 CPUs (2 each), 1 hog of "a" on one of them.
  const sim = new EevdfSimulation(hogCgroups(2, d, 1, 4), model(2, d), { checkInvariants: true });
  const r = sim.run();
  t.is(sim.cgroupCount, 2);
  const bWeights = [sim.groupEntityWeight(1, 0), sim.groupEntityWeight(1, 1)];
  const aWeights = [sim.groupEntityWeight(0, 0), sim.groupEntityWeight(0, 1)];
  // "a" has all its load on one CPU: full shares there.
  t.true(aWeights.includes(NICE0_WEIGHT), `a: ${aWeights}`);
  // "b": each CPU's part of its load, summing to its shares.
  t.true(Math.abs(bWeights[0]! + bWeights[1]! - NICE0_WEIGHT) < 1e-6, `b: ${bWeights}`);
  t.true(bWeights.every((w) => w > 0 && w < NICE0_WEIGHT), `b: ${bWeights}`);
  t.true(r.groups[0]!.cpuNs > 0 && r.groups[1]!.cpuNs > 0);
});

test('cgroups: a probe in its own cgroup keeps its wait bound however many hogs the other cgroup has; flat it does not', (t) => {
  const d = 2_000_000_000;
  const csw = 1_000;
  const tick = 1_000_000;
  // As with a single hog: at most a protected slice of the hogs' group entity, to the next tick, then the switch.
  const bound = eevdfBaseSliceNs(1) + tick + csw;
  const maxWait = (hogs: number, cgroups: boolean): number =>
    simulateEevdf(probeAndHogs(1, d, hogs), model(1, d, { contextSwitchNs: csw, tickNs: tick, baselineCgroups: cgroups }), { checkInvariants: true })
      .groups[1]!.wakeLatency.max;
  for (const hogs of [1, 4, 8]) t.true(maxWait(hogs, true) <= bound, `${hogs} hogs, cgroups: max wait ${maxWait(hogs, true)} <= ${bound}`);
  const flat8 = maxWait(8, false);
  t.true(flat8 > bound, `8 hogs, flat: max wait ${flat8} > ${bound}`);
});

test('cgroups: groups in the root cgroup replay exactly as the flat model', (t) => {
  const d = 300_000_000;
  const w = SCENARIOS.get('noisy-neighbour')!.generate({ cpus: 4, durationNs: d, seed: 5 });
  const inRoot: Workload = { ...w, groups: w.groups.map((g) => ({ ...g, inRootCgroup: true })) };
  t.deepEqual(cgroupLevels(inRoot, true), w.groups.map(() => -1));
  t.deepEqual(cgroupLevels(w, true), w.groups.map((_g, i) => i));
  const sig = (r: SimResult): string => JSON.stringify({ totals: r.totals, groups: r.groups.map((g) => [g.cpuNs, g.runs, g.lateRuns,
    g.wakeLatency.quantile(0.99), g.requestLatency?.quantile(0.99)]) });
  const tree = simulateEevdf(inRoot, model(4, d), { checkInvariants: true });
  const flat = simulateEevdf(w, model(4, d, { baselineCgroups: false }));
  t.is(sig(tree), sig(flat));
  // With the scenario's groups as cgroups the replay differs.
  t.not(sig(simulateEevdf(w, model(4, d))), sig(flat));
});

test('hrtick: with the guest\'s 4 ms tick (HZ=250) hogs switch at their slice ends and the probe waits less than a tick', (t) => {
  // 7.2 with CONFIG_HRTIMER_REARM_DEFERRED has HRTICK on: set_next_task_fair() ->
  // hrtick_start_fair() arms a timer for when the task's vruntime reaches its deadline
  // (if others are queued on the CPU; hrtick_update() on enqueue otherwise), and hrtick()
  // -> entity_tick(queued) updates every level and calls resched_curr(). So the hogs'
  // slices end at their deadlines (the base slice), not at the tick, and each such end
  // is a pick at the root too: a probe past the hogs' protected slice waits at most for
  // the hogs' group entity to reach its deadline and the next hrtick after that.
  const d = 2_000_000_000;
  const csw = 1_000;
  const tick = 4_000_000;
  const slice = eevdfBaseSliceNs(1);
  for (const hogs of [2, 4]) {
    const r = simulateEevdf(probeAndHogs(1, d, hogs), model(1, d, { contextSwitchNs: csw, tickNs: tick }), { checkInvariants: true });
    const probe = r.groups[1]!.wakeLatency;
    t.true(probe.max <= 2 * slice + 2 * csw, `${hogs} hogs: probe max wait ${probe.max} <= ${2 * slice + 2 * csw}`);
    t.true(probe.max < tick, `${hogs} hogs: probe max wait ${probe.max} < the tick`);
  }
  // Two hogs alone, flat, no switch cost: every run is one base slice (the first half of
  // one, PLACE_DEADLINE_INITIAL), so about 100 ms / 0.7 ms switches, not 100 ms / 4 ms.
  const w = hogCgroups(1, 100_000_000, 2, 0);
  const flat = simulateEevdf(w, model(1, 100_000_000, { contextSwitchNs: 0, tickNs: tick, baselineCgroups: false }), { checkInvariants: true });
  const expected = 100_000_000 / slice;
  t.true(Math.abs(flat.totals.contextSwitches - expected) <= 3, `${flat.totals.contextSwitches} switches, ${expected} slices`);
});

test('a wake-up on a CPU whose running entity is past its protected slice picks again at once (update_curr() in wakeup_preempt_fair())', (t) => {
  // Two hogs of cgroup "batch" and the probe: without the wake-up pick the probe would
  // wait for the next update (hrtick or tick) whenever the hogs' entity is past its
  // protection but its deadline is still earlier than the probe's.
  const d = 1_000_000_000;
  const r = simulateEevdf(probeAndHogs(1, d, 2), model(1, d, { contextSwitchNs: 0, tickNs: 4_000_000 }), { checkInvariants: true });
  t.true(r.groups[1]!.wakeLatency.quantile(0.5)! < 1_000, `probe p50 ${r.groups[1]!.wakeLatency.quantile(0.5)}`);
});

test('cgroups: a higher cpu.weight gives a cgroup a larger CPU share under contention, in proportion', (t) => {
  const d = 2_000_000_000;
  for (const cpus of [1, 2]) {
    for (const [wa, wb] of [[300, 100], [10, 69], [10_000, 10]] as const) {
      const r = simulateEevdf(hogCgroups(cpus, d, 2 * cpus, 2 * cpus, [wa, wb]), model(cpus, d, { contextSwitchNs: 0 }), { checkInvariants: true });
      const a = r.groups[0]!.cpuNs;
      const b = r.groups[1]!.cpuNs;
      const expected = cgroupShares(wa) / (cgroupShares(wa) + cgroupShares(wb));
      t.true(a > b === wa > wb, `${cpus} CPUs, weights ${wa}:${wb}: a ${a}, b ${b}`);
      t.true(Math.abs(a / (a + b) - expected) < 0.02, `${cpus} CPUs, weights ${wa}:${wb}: a's part ${a / (a + b)}, expected ${expected}`);
    }
  }
});

test('cgroups: cpu.weight 100 is the default (same replay as no weight), --baseline-cpu-weight overrides a group\'s, and the flat model ignores both', (t) => {
  const d = 500_000_000;
  // What the replay did: every total and each group's CPU, runs and wake-up latencies.
  const run = (w: Workload, overrides: Partial<SimModel> = {}): string => {
    const r = simulateEevdf(w, model(2, d, overrides), { checkInvariants: true });
    return JSON.stringify({ totals: r.totals, groups: r.groups.map((g) => [g.cpuNs, g.runs, g.wakeLatency.count, g.wakeLatency.sum, g.wakeLatency.max]) });
  };
  const plain = run(hogCgroups(2, d, 2, 3));
  t.is(run(hogCgroups(2, d, 2, 3, [100, 100])), plain);
  t.not(run(hogCgroups(2, d, 2, 3, [100, 300])), plain);
  t.is(run(hogCgroups(2, d, 2, 3), { baselineCpuWeights: { b: 300 } }), run(hogCgroups(2, d, 2, 3, [100, 300])));
  t.is(run(hogCgroups(2, d, 2, 3, [100, 300]), { baselineCpuWeights: { b: 100 } }), plain, 'the override replaces the group\'s own weight');
  const flat = { baselineCgroups: false };
  t.is(run(hogCgroups(2, d, 2, 3, [10, 10_000]), flat), run(hogCgroups(2, d, 2, 3), flat));
});

test('cgroup shares follow the kernel: cpu.weight * 1024 / 100 rounded, 100 = a nice-0 task', (t) => {
  t.is(cgroupShares(100), NICE0_WEIGHT);
  t.is(cgroupShares(10), (102 * NICE0_WEIGHT) / 1024);
  t.is(cgroupShares(69), (707 * NICE0_WEIGHT) / 1024);
  t.is(cgroupShares(10_000), 100 * NICE0_WEIGHT);
});
