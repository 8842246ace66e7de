// TaskScripts, the script walk both simulators share: where advance() stops (a burst, a
// sleep, a request not yet arrived, the end) and the request latency it records.
import test from 'ava';
import { STEP_BLOCKED, STEP_EXITED, STEP_RUN, TaskScripts } from '../task-script.js';
import { LatencyHistogram } from '../latency-histogram.js';
import { handWorkload } from './helpers.js';

const groups = [{ name: 's', kind: 'service' as const, slo: null }];

test('advance() stops at each burst, sleep and future request, and records the requests it completes', (t) => {
  const w = handWorkload(1, 1e9, groups, [{ group: 0, steps: [['run', 0], ['run', 300], ['sleep', 1_000], ['request', 5_000], ['run', 40], ['done'], ['request', 6_000], ['done']] }]);
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
  const w = handWorkload(1, 1e9, groups, [{ group: 0, steps: [['request', 100], ['run', 1_000], ['done'], ['request', 200], ['done'], ['request', 9_000], ['done']] }]);
  const s = new TaskScripts(w);
  t.is(s.advance(0, 100), STEP_RUN);
  const h = new LatencyHistogram();
  t.is(s.recordUnfinished(0, 1_000, h), 2, 'the one served (arrived 100) and the next (200); 9000 is after the end');
  t.is(h.count, 2);
});
