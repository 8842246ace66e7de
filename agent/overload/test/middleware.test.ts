// The load-shedding middleware over real HTTP: a service guarded by it polls a real
// overload endpoint (fake kernel stats) and sheds with 429/503 + Retry-After while its pod
// is overloaded; both the connect-style and the createServer-wrapper forms; fail-open.
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

async function agent(t: import('ava').ExecutionContext) {
  const stats = new FakeStats();
  const registry = new WorkloadRegistry();
  registry.set({ cgroupId: 7, cgroupPath: 'kubepods/podu1', pod: { namespace: 'shop', name: 'web-1', uid: 'u1' }, source: 'kubernetes' });
  stats.cgroup(7, { runs: 1, lastRunNs: stats.snap.takenAtNs - MS, lastSlackNs: MS });
  const endpoint = new OverloadEndpoint({ stats, workloads: registry });
  const srv = await listen(t, (req, res) => {
    if (!endpoint.handle(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  return {
    ...srv,
    podUrl: `${srv.url}/overload/shop/web-1`,
    overload: (on: boolean) => stats.cgroup(7, { runs: 1, lastRunNs: stats.snap.takenAtNs - MS, lastSlackNs: MS, lastMissNs: on ? stats.snap.takenAtNs - MS : 0 }),
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
