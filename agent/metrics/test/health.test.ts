// Readiness and the event loop watchdog on their own, with a fake clock.
import test from 'ava';
import { EventLoopWatchdog, readiness } from '../health.js';

test('readiness needs attached-or-monitor and synced sources', (t) => {
  const src = (name: string, synced: boolean) => ({ name, synced, entries: 0, unresolved: 0, storeErrors: 0 });
  t.deepEqual(readiness({ schedulerMode: () => 'sched_ext', sources: () => [] }), { ok: true, reasons: [] });
  t.deepEqual(readiness({ schedulerMode: () => 'monitor', sources: () => [src('kubernetes', true), src('config_file', true)] }), { ok: true, reasons: [] });
  t.deepEqual(readiness({ schedulerMode: () => 'sched_ext', sources: () => [src('kubernetes', false)] }).reasons, ['SLO source kubernetes has not synced yet']);
  t.false(readiness({ schedulerMode: () => 'detached', sources: () => [] }).ok);
});

test('watchdog: a late tick makes the agent unhealthy for the window, then healthy again', (t) => {
  let now = 0;
  const w = new EventLoopWatchdog({ intervalMs: 100, maxLagMs: 2000, windowMs: 10_000, now: () => now });
  for (let i = 0; i < 5; i++) {
    now += 100;
    w.tick();
  }
  t.true(w.liveness().ok);
  now += 100 + 2500; // blocked for 2.5 s
  w.tick();
  const sick = w.liveness();
  t.false(sick.ok);
  t.is(sick.lagMs, 2500);
  t.regex(sick.reasons[0]!, /stalled/);
  for (let i = 0; i < 101; i++) {
    now += 100;
    w.tick();
  }
  t.true(w.liveness().ok, 'healthy after the window passed');
});

test('watchdog: no tick for too long while running is a starved loop', (t) => {
  let now = 0;
  const w = new EventLoopWatchdog({ intervalMs: 100, maxLagMs: 500, now: () => now }).start();
  t.teardown(() => w.stop());
  now = 700;
  t.regex(w.liveness().reasons.join(), /starved/);
});
