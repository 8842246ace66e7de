// The overload definition and the /overload endpoint over real HTTP, with a fake clock
// and a fake SchedulerStatsSource.
import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeStats } from '../../metrics/test/fake-stats.js';
import { WorkloadRegistry } from '../../slo/workload-registry.js';
import { OverloadEndpoint, type OverloadEndpointOptions } from '../overload-endpoint.js';
import { overloadState } from '../overload-state.js';

const MS = 1_000_000;
const T = 1_000_000_000_000;

test('overloaded: a miss or a late run within the window', (t) => {
  const base = { runs: 10, misses: 0, lastRunNs: 0, lastMissNs: 0, lastSlackNs: 0, waitNsSum: 0 };
  t.deepEqual(overloadState(undefined, T), { overloaded: false, reason: null, lastMissAgoMs: null, lastRunAgoMs: null, lastSlackMs: null });
  t.like(overloadState({ ...base, lastMissNs: T - 49 * MS, lastRunNs: T - MS, lastSlackNs: 2 * MS }, T),
    { overloaded: true, reason: 'deadline_miss', lastMissAgoMs: 49 });
  t.like(overloadState({ ...base, lastMissNs: T - 50 * MS }, T), { overloaded: true }, 'window is inclusive');
  t.like(overloadState({ ...base, lastMissNs: T - 51 * MS, lastRunNs: T - MS, lastSlackNs: 2 * MS }, T), { overloaded: false, reason: null, lastSlackMs: 2 });
  t.like(overloadState({ ...base, lastRunNs: T - 10 * MS, lastSlackNs: -1 }, T), { overloaded: true, reason: 'low_slack', lastSlackMs: 0 });
  t.like(overloadState({ ...base, lastRunNs: T - 60 * MS, lastSlackNs: -5 * MS }, T), { overloaded: false }, 'a late run long ago');
  t.like(overloadState({ ...base, lastRunNs: T - MS, lastSlackNs: 3 * MS }, T, { windowMs: 50, slackThresholdMs: 5 }),
    { overloaded: true, reason: 'low_slack' }, 'early warning threshold');
  t.like(overloadState({ ...base, lastMissNs: T - 100 * MS }, T, { windowMs: 200, slackThresholdMs: 0 }), { overloaded: true }, 'configurable window');
  t.like(overloadState({ ...base, lastMissNs: T + 5 }, T), { overloaded: true, lastMissAgoMs: 0 }, 'clock skew clamps to 0');
});

async function serve(t: import('ava').ExecutionContext, extra: Partial<OverloadEndpointOptions> = {}) {
  const stats = new FakeStats();
  const registry = new WorkloadRegistry();
  let clock = 5_000_000_000n;
  const endpoint = new OverloadEndpoint({ stats, workloads: registry, clockNs: () => clock, ...extra });
  const server = createServer((req, res) => {
    if (!endpoint.handle(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (path: string) => {
    const res = await fetch(url + path);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { stats, registry, endpoint, get, advance: (ms: number) => (clock += BigInt(Math.round(ms * 1e6))) };
}

test('GET /overload/<ns>/<pod>: state now, from a snapshot at most 5 ms old', async (t) => {
  const { stats, registry, get, advance } = await serve(t);
  registry.set({ cgroupId: 7, cgroupPath: 'kubepods/burstable/podu1', pod: { namespace: 'shop', name: 'web-1', uid: 'u1' }, source: 'kubernetes' });
  stats.cgroup(7, { runs: 100, misses: 1, lastMissNs: stats.snap.takenAtNs - 40 * MS, lastRunNs: stats.snap.takenAtNs - MS, lastSlackNs: MS });
  const r1 = await get('/overload/shop/web-1');
  t.is(r1.status, 200);
  t.deepEqual(r1.body, {
    namespace: 'shop',
    pod: 'web-1',
    cgroup: 'kubepods/burstable/podu1',
    overloaded: true,
    reason: 'deadline_miss',
    lastMissAgoMs: 40,
    lastRunAgoMs: 1,
    lastSlackMs: 1,
    windowMs: 50,
    snapshotAgeMs: 0,
    mode: 'sched_ext',
  });
  t.is(stats.calls, 1);
  advance(4);
  const r2 = await get('/overload/shop/web-1');
  t.is(stats.calls, 1, 'snapshot reused within 5 ms');
  t.like(r2.body, { overloaded: true, lastMissAgoMs: 44, snapshotAgeMs: 4 });
  advance(7); // the snapshot is 11 ms old: a new one is taken (same kernel data in the fake)
  const r3 = await get('/overload/shop/web-1');
  t.is(stats.calls, 2);
  t.like(r3.body, { overloaded: true, snapshotAgeMs: 0 });
  // The kernel's clock moved on 60 ms without new misses.
  stats.snap.takenAtNs += 60 * MS;
  advance(6);
  t.like((await get('/overload/shop/web-1')).body, { overloaded: false, reason: null, lastMissAgoMs: 100 });
});

test('unknown pods, config-file cgroups, the summary and errors', async (t) => {
  const { stats, registry, get, advance } = await serve(t);
  registry.set({ cgroupId: 1, cgroupPath: 'p1', pod: { namespace: 'a b', name: 'web', uid: 'u1' }, source: 'kubernetes' });
  registry.set({ cgroupId: 2, cgroupPath: 'p2', pod: { namespace: 'shop', name: 'db', uid: 'u2' }, source: 'kubernetes' });
  registry.set({ cgroupId: 3, cgroupPath: 'system.slice/nginx.service', source: 'config_file' });
  stats.cgroup(1, { lastRunNs: stats.snap.takenAtNs - MS, lastSlackNs: -2 * MS });
  stats.cgroup(3, { lastMissNs: stats.snap.takenAtNs - MS });
  t.like((await get('/overload/a%20b/web')).body, { overloaded: true, reason: 'low_slack', namespace: 'a b' });
  t.like((await get('/overload/shop/db')).body, { overloaded: false, reason: null, lastRunAgoMs: null }, 'no kernel stats yet');
  const missing = await get('/overload/shop/nope');
  t.is(missing.status, 404);
  t.deepEqual(missing.body, { overloaded: false, error: 'no SLO workload for pod shop/nope on this node' });
  t.is((await get('/overload/shop')).status, 404);
  t.is((await get('/overload/%E0%A4%A/x')).status, 400);
  t.like((await get('/overload?cgroup=/system.slice/nginx.service')).body, { overloaded: true, cgroup: 'system.slice/nginx.service' });
  t.is((await get('/overload?cgroup=none')).status, 404);
  const all = await get('/overload');
  t.deepEqual(all.body, {
    windowMs: 50,
    snapshotAgeMs: 0,
    mode: 'sched_ext',
    overloaded: ['a b/web', 'system.slice/nginx.service'],
    pods: { 'a b/web': true, 'shop/db': false },
    cgroups: { 'system.slice/nginx.service': true },
  });
  stats.fail = new Error('maps gone');
  advance(10);
  const broken = await get('/overload/shop/db');
  t.is(broken.status, 503);
  t.deepEqual(broken.body, { overloaded: false, error: 'scheduler stats unavailable: maps gone' });
});

test('window and slack threshold are configurable; a bad window is refused', async (t) => {
  const { stats, registry, get } = await serve(t, { rule: { windowMs: 200, slackThresholdMs: 2 } });
  registry.set({ cgroupId: 1, cgroupPath: 'p1', pod: { namespace: 'n', name: 'p', uid: 'u' }, source: 'kubernetes' });
  stats.cgroup(1, { lastRunNs: stats.snap.takenAtNs - 150 * MS, lastSlackNs: MS });
  t.like((await get('/overload/n/p')).body, { overloaded: true, reason: 'low_slack', windowMs: 200 });
  t.throws(() => new OverloadEndpoint({ stats, workloads: registry, rule: { windowMs: 0 } }), { message: /windowMs must be > 0, got 0/ });
});
