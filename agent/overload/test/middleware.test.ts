// The load-shedding middleware over real HTTP: a service guarded by it polls a real
// overload endpoint (fake kernel stats) and sheds with 429/503 + Retry-After while its pod
// is overloaded; both the connect-style and the createServer-wrapper forms; fail-open;
// 300 concurrent requests decided from the last answer with one poll at a time at its own
// pace; and a hung agent (accepts, never answers) never making the service wait.
import test from 'ava';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeStats } from '../../metrics/test/fake-stats.js';
import { WorkloadRegistry } from '../../slo/workload-registry.js';
import { overloadGuard, overloadUrlFromEnv, type OverloadGuardOptions } from '../middleware.js';
import { OverloadEndpoint } from '../overload-endpoint.js';

const MS = 1_000_000;

async function listen(t: import('ava').ExecutionContext, handler: RequestListener) {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let open = true;
  const close = async (): Promise<void> => {
    if (!open) return;
    open = false;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  t.teardown(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

/** The agent's overload endpoint over HTTP; `observe` is told of each request and returns what to call when it is answered. */
async function agent(t: import('ava').ExecutionContext, observe?: (req: IncomingMessage) => () => void) {
  const stats = new FakeStats();
  const registry = new WorkloadRegistry();
  registry.set({ cgroupId: 7, cgroupPath: 'kubepods/podu1', pod: { namespace: 'shop', name: 'web-1', uid: 'u1' }, source: 'kubernetes' });
  stats.cgroup(7, { runs: 1, lastRunNs: stats.snap.takenAtNs - MS, lastSlackNs: MS });
  const endpoint = new OverloadEndpoint({ stats, workloads: registry });
  const srv = await listen(t, (req, res) => {
    const answered = observe?.(req);
    if (answered) res.on('finish', answered);
    if (!endpoint.handle(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  return {
    ...srv,
    podUrl: `${srv.url}/overload/shop/web-1`,
    overload: (on: boolean) => stats.cgroup(7, { runs: 1, lastRunNs: stats.snap.takenAtNs - MS, lastSlackNs: MS,
      lastMissNs: on ? stats.snap.takenAtNs - MS : 0 }),
  };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const hello = (_req: IncomingMessage, res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('hello');
};

function guardFor(t: import('ava').ExecutionContext, options: OverloadGuardOptions) {
  const guard = overloadGuard({ pollIntervalMs: 5, ...options });
  t.teardown(() => guard.close());
  return guard;
}

test('createServer wrapper: 429 with Retry-After while overloaded, 200 otherwise', async (t) => {
  const a = await agent(t);
  const guard = guardFor(t, { url: a.podUrl, retryAfterSeconds: 2 });
  const svc = await listen(t, guard.wrap(hello));
  await guard.ready();
  let res = await fetch(svc.url);
  t.is(res.status, 200);
  t.is(await res.text(), 'hello');

  a.overload(true);
  await until('guard sees overload', () => guard.overloaded());
  res = await fetch(svc.url);
  t.is(res.status, 429);
  t.is(res.headers.get('retry-after'), '2');
  t.is(await res.text(), 'overloaded, retry later\n');
  t.is(guard.rejected, 1);

  a.overload(false);
  await until('guard sees recovery', () => !guard.overloaded());
  t.is((await fetch(svc.url)).status, 200);
});

test('connect-style middleware with 503; exempt requests pass', async (t) => {
  const a = await agent(t);
  a.overload(true);
  const guard = guardFor(t, { url: a.podUrl, status: 503, exempt: (req) => req.url === '/healthz' });
  // A minimal connect-like chain: guard, then the handler as `next`.
  const svc = await listen(t, (req, res) => guard(req, res, (err?: unknown) => (err ? res.destroy() : hello(req, res))));
  await guard.ready();
  const res = await fetch(svc.url + '/work');
  t.is(res.status, 503);
  t.is(res.headers.get('retry-after'), '1');
  t.is((await fetch(svc.url + '/healthz')).status, 200);
});

test('fails open: unknown pod (404), agent unreachable, stale answers', async (t) => {
  const a = await agent(t);
  const unknown = guardFor(t, { url: `${a.url}/overload/shop/other` });
  await unknown.ready();
  t.false(unknown.overloaded());

  a.overload(true);
  const errors: Error[] = [];
  const guard = guardFor(t, { url: a.podUrl, staleAfterMs: 150, onError: (e) => errors.push(e) });
  await guard.ready();
  await until('overloaded', () => guard.overloaded());
  await a.close(); // the agent goes away while the pod is overloaded
  await until('stale state dropped', () => !guard.overloaded());
  t.true(errors.length > 0);
  const svc = await listen(t, guard.wrap(hello));
  t.is((await fetch(svc.url)).status, 200);
});

test('state function instead of polling', async (t) => {
  let overloaded = false;
  const guard = guardFor(t, { state: () => ({ overloaded }) });
  const svc = await listen(t, guard.wrap(hello));
  t.is((await fetch(svc.url)).status, 200);
  overloaded = true;
  t.is((await fetch(svc.url)).status, 429);
  const head = await fetch(svc.url, { method: 'HEAD' });
  t.is(head.status, 429);
  t.is(await head.text(), '');
});

test('options are checked; the URL comes from the downward API environment', (t) => {
  t.throws(() => overloadGuard({}), { message: /url to poll or a state function/ });
  t.throws(() => overloadGuard({ state: () => false, status: 500 as 429 }), { message: /429 or 503, got 500/ });
  t.throws(() => overloadGuard({ url: 'https://x/overload/a/b' }), { message: /http:\/\//i });
  t.is(overloadUrlFromEnv({ NODE_IP: '10.0.0.5', POD_NAMESPACE: 'shop', POD_NAME: 'web-1' }), 'http://10.0.0.5:8080/overload/shop/web-1');
  t.is(overloadUrlFromEnv({ HOST_IP: 'fd00::1', POD_NAMESPACE: 'n', POD_NAME: 'p', SCX_SLO_AGENT_PORT: '9000' }), 'http://[fd00::1]:9000/overload/n/p');
  t.is(overloadUrlFromEnv({ SCX_SLO_OVERLOAD_URL: 'http://a/overload/x/y' }), 'http://a/overload/x/y');
  t.is(overloadUrlFromEnv({ NODE_IP: '10.0.0.5' }), undefined);
});

/** Fires `count` requests at once at `url`; each must settle within `hangMs` (else it counts as hung). */
async function burst(url: string, count: number, hangMs = 10_000): Promise<{ statuses: Map<number, number>; hung: number }> {
  const statuses = new Map<number, number>();
  let hung = 0;
  await Promise.all(Array.from({ length: count }, async (_, i) => {
    try {
      const res = await fetch(`${url}/req/${i}`, { signal: AbortSignal.timeout(hangMs) });
      await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') hung += 1;
      else throw err;
    }
  }));
  return { statuses, hung };
}

test('under concurrent load every request is decided from the last answer, and the agent still sees one poll at a time', async (t) => {
  const a = await agent(t, (_req) => {
    polls += 1;
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return () => (inFlight -= 1);
  });
  let inFlight = 0;
  let maxInFlight = 0;
  let polls = 0;
  const guard = guardFor(t, { url: a.podUrl, pollIntervalMs: 20, staleAfterMs: 60_000 });
  let handled = 0;
  const svc = await listen(t, guard.wrap((req, res) => {
    handled += 1;
    hello(req, res);
  }));
  await guard.ready();

  const calm = await burst(svc.url, 200);
  t.deepEqual([...calm.statuses], [[200, 200]], 'not overloaded: all 200 answered');
  t.is(calm.hung, 0);
  t.is(handled, 200);

  a.overload(true);
  await until('guard sees overload', () => guard.overloaded());
  const pollsBefore = polls;
  const burstStart = performance.now();
  const shed = await burst(svc.url, 300);
  t.deepEqual([...shed.statuses], [[429, 300]], 'overloaded: all 300 shed with 429');
  t.is(shed.hung, 0);
  t.is(guard.rejected, 300);
  t.is(handled, 200, 'no shed request reached the handler');
  // Polls keep their own pace (one per 20 ms at most), whatever the request rate: count
  // them over the burst and a quiet 500 ms after it (a slow machine only lowers the count).
  await new Promise((r) => setTimeout(r, 500));
  const elapsedMs = performance.now() - burstStart;
  const maxPolls = Math.ceil(elapsedMs / 20) + 10;
  t.true(polls - pollsBefore <= maxPolls, `the agent is polled on its own schedule, not per request: ${polls - pollsBefore} polls in ${elapsedMs.toFixed(0)} ` +
    `ms (at most ${maxPolls})`);
  t.is(maxInFlight, 1, 'one poll at a time');

  a.overload(false);
  await until('guard sees recovery', () => !guard.overloaded());
  const after = await burst(svc.url, 100);
  t.deepEqual([...after.statuses], [[200, 100]]);
});

test('a hung agent (accepts, never answers) does not hang the service: requests are answered, polls time out one at a time, ' +
  'the state goes stale', async (t) => {
  let mode: 'overloaded' | 'hang' = 'overloaded';
  let hungPolls = 0;
  let openHung = 0;
  let maxOpenHung = 0;
  const hangable = await listen(t, (req, res) => {
    if (mode === 'hang') {
      // Never answered; the poller's timeout must close it.
      if (!req.url?.startsWith('/overload/')) return;
      hungPolls += 1;
      openHung += 1;
      maxOpenHung = Math.max(maxOpenHung, openHung);
      res.on('close', () => (openHung -= 1));
      return;
    }
    const body = JSON.stringify({ overloaded: true, reason: 'deadline_miss' });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  const errors: Error[] = [];
  // staleAfterMs well above the event-loop stalls of a loaded test machine (see above).
  const guard = guardFor(t, { url: `${hangable.url}/overload/shop/web-1`, pollIntervalMs: 5, timeoutMs: 100, staleAfterMs: 2000,
    onError: (e) => errors.push(e) });
  const svc = await listen(t, guard.wrap(hello));
  await guard.ready();
  t.true(guard.overloaded());
  t.deepEqual([...(await burst(svc.url, 50)).statuses], [[429, 50]], 'shedding while the agent says overloaded');

  mode = 'hang';
  const probe = await fetch(`${hangable.url}/x`, { signal: AbortSignal.timeout(200) }).then(() => 'answered', (e: Error) => e.name);
  t.is(probe, 'TimeoutError', 'the agent now hangs');
  // While the last answer is fresh the guard still sheds; each request is answered at once.
  const whileHung = await burst(svc.url, 50, 5000);
  t.is(whileHung.hung, 0, 'no service request waits for the hung agent');
  await until('the overloaded state goes stale', () => !guard.overloaded());
  const stale = await burst(svc.url, 100, 5000);
  t.deepEqual([...stale.statuses], [[200, 100]], 'fails open once the answer is stale');
  t.is(stale.hung, 0);
  t.true(errors.some((e) => /did not answer within 100 ms/.test(e.message)), errors.map((e) => e.message).join('; '));
  t.true(hungPolls >= 2, `polls went on while the agent hung (${hungPolls})`);
  t.is(maxOpenHung, 1, 'one poll at a time: a timed-out poll is closed before the next');
  t.true(hungPolls <= 30, `polls to the hung agent back off (${hungPolls} sent)`);
});
