// TaskScripts, the script walk both simulators share: where advance() stops (a burst, a
// sleep, a request not yet arrived, the end), the request latency it records, and the
// shared request queue (take) that several workers serve.
import test from 'ava';
import { STEP_BLOCKED, STEP_EXITED, STEP_RUN, TaskScripts } from '../task-script.js';
import { LatencyHistogram } from '../latency-histogram.js';
import { BUILTIN_POLICIES } from '../../policy/registry.js';
import { EEVDF_BASELINE } from '../replay-target.js';
import { replayAll } from '../run-replays.js';
import { Op, WorkloadBuilder, type Workload } from '../workload.js';
import { handWorkload, model } from './helpers.js';

const groups = [{ name: 's', kind: 'service' as const, slo: null }];

test('advance() stops at each burst, sleep and future request, and records the requests it completes', (t) => {
  const w = handWorkload(1, 1e9, groups, [{ group: 0, steps: [['run', 0], ['run', 300], ['sleep', 1_000], ['request', 5_000], ['run', 40], ['done'],
    ['request', 6_000], ['done']] }]);
  const s = new TaskScripts(w);
  t.is(s.hasRequests[0], 1);
  t.is(s.advance(0, 0), STEP_RUN, 'a zero-length run is skipped');
  t.is(s.remainNs[0], 300);
  t.is(s.advance(0, 300), STEP_BLOCKED);
  t.is(s.wakeNs, 1_300, 'a sleep wakes after its length');
  t.is(s.advance(0, 1_300), STEP_BLOCKED);
  t.is(s.wakeNs, 5_000, 'a request not arrived yet wakes at its arrival');
  t.is(s.requestNs[0], 5_000);
  t.is(s.advance(0, 5_000), STEP_RUN);
  t.is(s.remainNs[0], 40);
  // Late: the next request arrived already, so it is served at once and the task ends.
  t.is(s.advance(0, 7_000), STEP_EXITED);
  t.is(s.requestsDone[0], 2);
  t.is(s.requestLatency[0]!.count, 2);
  t.is(s.requestLatency[0]!.quantile(1), 2_000, 'each done records arrival to done (7000 - 5000 the longer)');
  t.is(s.requestNs[0], -1);
});

test('recordUnfinished() counts the request being served and the ones not reached, arrived before the end', (t) => {
  const w = handWorkload(1, 1e9, groups, [{ group: 0, steps: [['request', 100], ['run', 1_000], ['done'], ['request', 200], ['done'],
    ['request', 9_000], ['done']] }]);
  const s = new TaskScripts(w);
  t.is(s.advance(0, 100), STEP_RUN);
  const h = new LatencyHistogram();
  t.is(s.recordUnfinished(0, 1_000, h), 2, 'the one served (arrived 100) and the next (200); 9000 is after the end');
  t.is(h.count, 2);
});

/** Group 0's shared queue gets requests at `arrivals`; `workers` tasks each take `takes` of them, `cpu` ns each. */
function sharedQueue(arrivals: number[], workers: number, takes: number, cpu: number): Workload {
  const b = new WorkloadBuilder('queue', 'test', 2, 1e9);
  const g = b.addGroup({ name: 's', kind: 'service', cgroupId: 100, slo: null });
  for (const at of arrivals) b.arrival(g, at);
  for (let i = 0; i < workers; i++) {
    const k = b.addTask({ id: i + 1, group: g, startNs: 0 });
    for (let r = 0; r < takes; r++) {
      b.op(k, Op.TAKE);
      b.op(k, Op.RUN, cpu);
      b.op(k, Op.DONE);
    }
  }
  return b.build();
}

test('take: a worker gets the oldest request no one took, or waits for the next arrival, first come first served', (t) => {
  const w = sharedQueue([5_000, 0, 8_000], 2, 3, 100);
  t.deepEqual(Array.from(w.arrivalsNs![0]!), [0, 5_000, 8_000], 'arrivals are kept in time order');
  const s = new TaskScripts(w);
  t.is(s.hasRequests[0], 1);
  t.is(s.advance(0, 10), STEP_RUN, 'worker 0 takes the request that arrived at 0');
  t.is(s.requestNs[0], 0);
  t.is(s.advance(1, 20), STEP_BLOCKED, 'worker 1 finds none arrived and waits...');
  t.is(s.wakeNs, 5_000, '...for the next one, which is its own');
  t.is(s.requestNs[1], 5_000);
  t.is(s.advance(0, 110), STEP_BLOCKED, 'worker 0, done, waits behind worker 1: it gets the arrival after');
  t.is(s.wakeNs, 8_000);
  t.is(s.requestLatency[0]!.count, 1, 'the first request is done');
  t.is(s.requestLatency[0]!.quantile(1), 110);
  t.is(s.advance(1, 5_000), STEP_RUN);
  t.is(s.advance(1, 6_000), STEP_BLOCKED, 'no request left: worker 1 waits for ever');
  t.is(s.wakeNs, Infinity);
});

test('take: requests of the shared queue no worker took by the end count as unfinished with their age', (t) => {
  const w = sharedQueue([0, 100, 200, 5_000], 1, 4, 1_000);
  const s = new TaskScripts(w);
  t.is(s.advance(0, 0), STEP_RUN);
  const h = new LatencyHistogram();
  t.is(s.recordUnfinished(0, 1_000, h), 1, 'the request the worker serves');
  t.is(s.recordUntaken(0, 1_000, h), 2, 'the two that arrived and wait in the queue; 5000 is after the end');
  t.deepEqual([h.count, h.quantile(1)], [3, 1_000]);
});

test('take, replayed: three requests at once for two workers on two CPUs, the third waits for a worker and its wait is in its latency', (t) => {
  const w = sharedQueue([0, 0, 0], 2, 3, 2_000_000);
  for (const r of replayAll(w, [BUILTIN_POLICIES.get('fifo')!, EEVDF_BASELINE], model(2, 1e9, { contextSwitchNs: 0 }))) {
    const g = r.groups[0]!;
    t.is(g.requestsCompleted, 3, r.policy);
    t.is(g.requestLatency!.min, 2_000_000, `${r.policy}: the first two are served at once`);
    t.is(g.requestLatency!.max, 4_000_000, `${r.policy}: the third waits for the first worker to be free`);
    t.is(g.requestLatency!.mean(), 8_000_000 / 3, `${r.policy}: 2 + 2 + 4 ms`);
  }
});

test('a request answered within its group\'s SLO budget is counted as such; one answered later is not', (t) => {
  const slo = [{ name: 's', kind: 'service' as const, slo: { budgetNs: 1_000, importance: 90 } }];
  const w = handWorkload(1, 1e9, slo, [{ group: 0, steps: [['request', 0], ['run', 1_000], ['done'], ['request', 1_000], ['run', 1_001], ['done']] }]);
  const s = new TaskScripts(w);
  t.is(s.advance(0, 0), STEP_RUN);
  t.is(s.advance(0, 1_000), STEP_RUN, 'the first, 1000 ns: within the 1000 ns budget');
  t.is(s.advance(0, 2_001), STEP_EXITED, 'the second, 1001 ns: over it');
  t.is(s.requestsDone[0], 2);
  t.is(s.requestsWithinBudget[0], 1);
});
