// `scx-slo status`'s text: the dispatch counters and SLO table of an attached agent, and
// a plain statement (no "undefined") for an agent in monitoring-only mode, which has
// neither.
import test from 'ava';
import { formatStatus } from '../status-view.js';

test('monitoring-only mode says there is no scheduler, with no undefined counters', (t) => {
  const lines = formatStatus({ mode: 'monitor', ops: '', policy: '', counters: {}, transport: {}, slos: {}, cgroups: {} });
  t.regex(lines.join('\n'), /agent: +monitor, no scheduler attached/);
  t.regex(lines.join('\n'), /dispatch: none \(monitoring-only mode/);
  t.notRegex(lines.join('\n'), /undefined|NaN/);
});

test('an attached agent: dispatch shares and the SLO table', (t) => {
  const counters = { user_dispatched: 75, direct: 20, fallback_lag: 5, fallback_ringfull: 0, fallback_stalled: 0, fallback_idle: 0, stale_decisions: 1,
    bad_decisions: 0, preempt_kicks: 3, deadline_misses: 2 };
  const lines = formatStatus({
    mode: 'sched_ext', ops: 'slo', policy: 'edf', counters, transport: {},
    slos: { '42': { budgetNs: 20_000_000, importance: 80 } },
    cgroups: { '42': { runs: 10, misses: 1, waitNsSum: 50_000, lastSlackNs: 0 } },
  });
  const text = lines.join('\n');
  t.regex(text, /dispatch: userspace 75 \(75\.0%\), direct 20 \(20\.0%\)/);
  t.regex(text, /cgroup 42: budget 20 ms, importance 80; 10 runs, 1 misses, 5 us mean wait/);
  t.notRegex(text, /undefined|NaN/);
});
