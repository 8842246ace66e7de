// The HTTP server's limits, in a file of its own (run alone; inside agent-http-server's
// concurrent tests the server's close() after this test was seen to hang): a connection
// cap, and clients that never send their headers are closed.
import test from 'ava';
import { connect } from 'node:net';
import { get as httpGet } from 'node:http';
import { WorkloadRegistry } from '../../slo/workload-registry.js';
import { startAgentHttpServer } from '../agent-http-server.js';
import { FakeStats } from './fake-stats.js';

async function serve(t: import('ava').ExecutionContext, limits: Parameters<typeof startAgentHttpServer>[0]['limits']) {
  const server = await startAgentHttpServer({ port: 0, host: '127.0.0.1', stats: new FakeStats(), workloads: new WorkloadRegistry(),
    processMetrics: false, limits });
  t.teardown(() => server.close());
  return { server };
}

test('the server caps its connections and closes clients that never send their headers', async (t) => {
  const { server } = await serve(t, { maxConnections: 8, headersTimeoutMs: 300, requestTimeoutMs: 300, checkIntervalMs: 100, idleTimeoutMs: 300 });
  const started = performance.now();
  const closed: Promise<number>[] = [];
  await Promise.all(Array.from({ length: 40 }, () => new Promise<void>((resolve) => {
    const s = connect(server.port, '127.0.0.1', () => resolve());
    s.on('error', () => resolve());
    // Listen for the close at once: a socket over the cap is closed right away.
    closed.push(new Promise<number>((done) => s.once('close', () => done(performance.now()))));
  })));
  await new Promise((r) => setTimeout(r, 150));
  let open = 0;
  await new Promise<void>((resolve) => server.server.getConnections((_e, n) => ((open = n), resolve())));
  t.true(open <= 8, `${open} connections open, cap 8`);
  // Idle sockets that never sent a request are closed after the headers timeout.
  const times = await Promise.all(closed);
  t.true(Math.max(...times) - started < 3000, 'every idle socket was closed');
  // The server still answers (a fresh connection, no pooled one).
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpGet(`${server.url}/healthz`, { agent: false, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
  });
  t.is(status, 200);
});