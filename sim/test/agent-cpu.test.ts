// The agent as a CPU consumer (model.agentCpuNsPerRecord): off by default and then
// without effect; with a cost, its CPU is records x cost, taken from the workloads; its
// rounds delay decisions while the CPUs run earlier deadlines; it preempts later
// deadlines whatever the policy, and an urgent task still preempts it.
import test from 'ava';
import { BUILTIN_POLICIES } from '../../policy/registry.js';
import { simulate } from '../engine.js';
import type { SimResult } from '../sim-result.js';
import { SCENARIOS } from '../scenarios/index.js';
import { handWorkload, model } from './helpers.js';

const edf = BUILTIN_POLICIES.get('edf')!;
const fair = BUILTIN_POLICIES.get('fair')!;
const CSW = 2_000;

const svc = { name: 'svc', kind: 'service' as const, slo: { budgetNs: 1_000_000, importance: 90 } }; // laxity 110 us: urgent
const batch = { name: 'batch', kind: 'batch' as const, slo: null }; // laxity 51 ms: through the policy

function signature(r: SimResult): string {
  return JSON.stringify({ totals: r.totals, groups: r.groups.map((g) => [g.cpuNs, g.runs, g.lateRuns, g.wakeLatency.quantile(0.99),
    g.requestLatency?.quantile(0.99)]) });
}

function capacityUsed(r: SimResult): number {
  return r.groups.reduce((s, g) => s + g.cpuNs, 0) + r.totals.agentCpuNs + r.totals.switchNs + r.totals.idleNs;
}

test('with no agent cost nothing changes, whatever the agent deadline', (t) => {
  const w = SCENARIOS.get('noisy-neighbour')!.generate({ cpus: 4, durationNs: 200_000_000, seed: 5 });
  for (const mod of [edf, fair]) {
    const base = simulate(w, mod, model(4, 200_000_000));
    const off = simulate(w, mod, model(4, 200_000_000, { agentCpuNsPerRecord: 0, agentDeadlineNs: 123_000 }));
    t.is(signature(off), signature(base), mod.name);
    t.is(off.totals.agentCpuNs, 0);
    t.is(off.totals.agentRecords, 0);
  }
});

test('the agent CPU is records x cost, comes out of the workloads, and every record reaches the policy through it', (t) => {
  const cost = 30_000;
  const duration = 300_000_000;
  const w = SCENARIOS.get('noisy-neighbour')!.generate({ cpus: 4, durationNs: duration, seed: 7 });
  for (const mod of [edf, fair]) {
    const r = simulate(w, mod, model(4, duration, { agentCpuNsPerRecord: cost }), { checkInvariants: true });
    const t0 = r.totals;
    t.true(t0.agentRecords > 0, mod.name);
    // At most the last round is unfinished at the end: its records are taken, not yet handed on.
    t.true(t0.agentCpuNs <= t0.agentRecords * cost, mod.name);
    t.true(t0.agentCpuNs >= t0.toPolicy * cost, `${mod.name}: every record handed to the policy was paid for`);
    t.true(t0.agentRecords >= t0.toPolicy && t0.agentRecords - t0.toPolicy < t0.agentRecords / t0.agentRounds + 50, mod.name);
    t.true(Math.abs(capacityUsed(r) / (4 * duration) - 1) < 1e-9, `${mod.name}: CPU time adds up with the agent's share`);
  }
});

test('a replay that ends quiet charges the agent exactly records x cost', (t) => {
  const cost = 40_000;
  // Four batch tasks on 2 CPUs wake up a few times and are done long before the end.
  const steps: Array<['run' | 'sleep', number]> = [['run', 1_000_000], ['sleep', 500_000], ['run', 2_000_000], ['sleep', 300_000], ['run', 500_000]];
  const w = handWorkload(2, 50_000_000, [batch], Array.from({ length: 4 }, (_, i) => ({ group: 0, start: i * 100_000, steps })));
  for (const mod of [edf, fair]) {
    const r = simulate(w, mod, model(2, 50_000_000, { agentCpuNsPerRecord: cost }), { checkInvariants: true });
    t.is(r.totals.agentRecords, r.totals.toPolicy, mod.name);
    t.is(r.totals.agentCpuNs, r.totals.agentRecords * cost, mod.name);
    t.is(r.groups[0]!.cpuNs, 4 * 3_500_000, `${mod.name}: the workload still gets all its work done`);
  }
});

test('on an idle machine a decision waits for the agent\'s round: latency = cost plus two switches', (t) => {
  const cost = 70_000;
  const w = handWorkload(1, 20_000_000, [batch], [{ group: 0, start: 1_000_000, steps: [['run', 100_000]] }]);
  const r = simulate(w, fair, model(1, 20_000_000, { agentCpuNsPerRecord: cost, contextSwitchNs: CSW }));
  t.is(r.groups[0]!.wakeLatency.max, CSW + cost + CSW, 'the agent switches in and runs its round, then the task switches in');
  const base = simulate(w, fair, model(1, 20_000_000, { contextSwitchNs: CSW }));
  t.is(base.groups[0]!.wakeLatency.max, CSW);
});

test('decisions are delayed while the CPU runs an earlier deadline: the agent does not preempt it', (t) => {
  const cost = 50_000;
  const urgentRun = 3_000_000;
  const batchWake = 100_000;
  // The urgent task (deadline 110 us after its wake-up, renewed at each tick) runs 3 ms on the
  // only CPU; a batch task wakes at 100 us and needs a decision.
  const w = handWorkload(1, 20_000_000, [svc, batch], [
    { group: 0, steps: [['run', urgentRun]] },
    { group: 1, start: batchWake, steps: [['run', 100_000]] },
  ]);
  const r = simulate(w, edf, model(1, 20_000_000, { agentCpuNsPerRecord: cost, contextSwitchNs: CSW }), { checkInvariants: true });
  t.is(r.totals.preemptKicks, 0, 'the agent\'s deadline (now + lag) is later than the urgent job\'s');
  const waited = r.groups[1]!.wakeLatency.max!;
  t.is(waited, CSW + urgentRun - batchWake + CSW + cost + CSW, 'the round starts only when the urgent burst is over');
  const base = simulate(w, edf, model(1, 20_000_000, { contextSwitchNs: CSW }));
  t.is(waited - base.groups[1]!.wakeLatency.max!, CSW + cost, 'the agent adds its switch and round to the wait');
});

test('the agent preempts a later deadline whatever the policy, and an urgent task still preempts the agent', (t) => {
  const cost = 4_000_000; // one record: a 4 ms round
  const w = handWorkload(1, 30_000_000, [svc, batch], [
    { group: 1, steps: [['run', 20_000_000]] }, // a batch hog (decided after the first round, at ~4 ms)
    { group: 1, start: 6_000_000, steps: [['run', 100_000]] }, // needs a decision at 6 ms
    { group: 0, start: 7_000_000, steps: [['run', 50_000]] }, // urgent at 7 ms, while the agent runs
  ]);
  for (const mod of [edf, fair]) {
    const r = simulate(w, mod, model(1, 30_000_000, { agentCpuNsPerRecord: cost, contextSwitchNs: CSW }), { checkInvariants: true });
    t.true(r.totals.preemptKicks >= 1, `${mod.name}: the agent (deadline 6 ms + 5 ms) preempted the hog (51 ms)`);
    if (mod === edf) {
      t.is(r.totals.preemptKicks, 2, 'the hog by the agent, then the agent by the urgent task');
      t.is(r.groups[0]!.wakeLatency.max, CSW, 'the urgent task did not wait for the agent\'s round');
      // The batch task's decision came after the round, which the urgent run interrupted.
      t.true(r.groups[1]!.wakeLatency.quantile(1)! >= cost + 50_000);
    } else {
      t.true(r.groups[0]!.wakeLatency.max! >= cost, 'without the fast path the service task waits for the agent like any other');
    }
  }
});

test('batch CPU drops by the agent\'s share (edf: the service runs on the fast path, untouched)', (t) => {
  // Under fair the drop is larger: the agent's preemptions of batch tasks also give the
  // service, starved without preemption, more CPU; so the check is on edf.
  const duration = 300_000_000;
  const w = SCENARIOS.get('noisy-neighbour')!.generate({ cpus: 4, durationNs: duration, seed: 11 });
  const cpuOf = (r: SimResult, kind: string): number => r.groups.filter((g) => g.group.kind === kind).reduce((s, g) => s + g.cpuNs, 0);
  const base = simulate(w, edf, model(4, duration));
  const agent = simulate(w, edf, model(4, duration, { agentCpuNsPerRecord: 20_000 }));
  const drop = cpuOf(base, 'batch') - cpuOf(agent, 'batch');
  const agentCpu = agent.totals.agentCpuNs;
  const extraSwitching = agent.totals.switchNs - base.totals.switchNs;
  t.true(agentCpu > 0.01 * 4 * duration, 'the agent takes a visible share');
  t.is(cpuOf(agent, 'service'), cpuOf(base, 'service'));
  t.true(Math.abs(drop - agentCpu - extraSwitching - (base.totals.idleNs - agent.totals.idleNs)) < 1e-3, 'batch pays the agent, its switches and nothing else');
  t.true(Math.abs(extraSwitching) < 0.15 * agentCpu, `the agent's CPU is most of the drop (${drop} vs ${agentCpu})`);
});
