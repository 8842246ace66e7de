// The agent's HTTP server (plain node:http, port 8080 by default):
//
//   GET /metrics                  Prometheus text format (agent-metrics.ts)
//   GET /healthz                  200 {"status":"ok"} while the event loop is responsive, else 503
//   GET /readyz                   200 {"ready":true} when attached (or monitoring) and the SLO
//                                 sources have synced, else 503 {"ready":false,"reasons":[...]}
//   GET /overload[/<ns>/<pod>]    overload state for load shedding (overload/README.md)
//
// The server shares the agent's event loop with the decision loop, so it is bounded:
// at most `maxConnections` sockets (more are closed at once), a client must send its
// headers within `headersTimeout` and its request within `requestTimeout`, idle
// keep-alive sockets close after `keepAliveTimeout` and silent ones after `idleTimeout`, and /metrics serves a render reused
// for up to a second (agent-metrics.ts), as the bytes it was rendered to.
//
// Integration: startAgentHttpServer({ stats, workloads, sources, configErrors }).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { OverloadEndpoint } from '../overload/overload-endpoint.js';
import type { OverloadRule } from '../overload/overload-state.js';
import type { SchedulerMode, SchedulerStatsSource } from '../kernel/scheduler-stats.js';
import type { WorkloadLookup } from '../slo/workload-registry.js';
import { createAgentMetrics, type AgentMetrics, type AgentMetricsInputs } from './agent-metrics.js';
import type { ConfigErrorCounter } from './config-errors.js';
import { EventLoopWatchdog, readiness, type EventLoopWatchdogOptions } from './health.js';
import type { SloSource } from './slo-source-status.js';

export const DEFAULT_AGENT_HTTP_PORT = 8080;

/** Connection and timeout limits of the server. */
export interface HttpServerLimits {
  /** Open sockets at most (default 64). */
  maxConnections: number;
  /** ms to receive a request's headers (default 10 s). */
  headersTimeoutMs: number;
  /** ms to receive a whole request (default 30 s). */
  requestTimeoutMs: number;
  /** ms an idle keep-alive socket stays open (default 5 s). */
  keepAliveTimeoutMs: number;
  /** How often the two timeouts above are checked, ms (default 1 s). */
  checkIntervalMs: number;
  /** ms a socket may stay silent (no byte either way), e.g. one that never sends a request (default 15 s). */
  idleTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: Readonly<HttpServerLimits> = Object.freeze({
  maxConnections: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
  idleTimeoutMs: 15_000,
});

export interface AgentHttpServerOptions {
  /** TCP port (default 8080; 0 = any free port). */
  port?: number;
  /** Address to listen on (default: all interfaces). */
  host?: string;
  stats: SchedulerStatsSource;
  /** cgroup id -> pod / path, for metric labels and the overload endpoint. */
  workloads: WorkloadLookup;
  /** SLO sources: readiness waits for all to sync; their status is exported. */
  sources?: readonly SloSource[];
  configErrors?: ConfigErrorCounter;
  /** Pod SLOs clamped to their namespace's grant. */
  grantClamps?: AgentMetricsInputs['grantClamps'];
  /** The scheduler mode for readiness (default: stats.snapshot().mode). */
  schedulerMode?: () => SchedulerMode;
  /** Overload definition and snapshot reuse (default: 50 ms window, slack < 0, 5 ms). */
  overload?: Partial<OverloadRule> & { maxSnapshotAgeMs?: number };
  /** Event loop watchdog settings for /healthz. */
  liveness?: EventLoopWatchdogOptions;
  /** Include process_* and nodejs_* metrics (default true). */
  processMetrics?: boolean;
  /** The kernel's deadline-miss events per workload (see AgentMetricsInputs). */
  missLateness?: AgentMetricsInputs['missLateness'];
  /** Connection and timeout limits (default DEFAULT_HTTP_LIMITS). */
  limits?: Partial<HttpServerLimits>;
  /** Reuse a /metrics render for this long, ms (default 1000). */
  metricsRefreshMs?: number;
  /** Monitoring-only mode's run-queue latency (see AgentMetricsInputs). */
  runqueueLatency?: AgentMetricsInputs['runqueueLatency'];
  log?: Pick<Console, 'warn'>;
}

export interface AgentHttpServer {
  readonly server: Server;
  readonly port: number;
  /** Base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly metrics: AgentMetrics;
  readonly overload: OverloadEndpoint;
  readonly watchdog: EventLoopWatchdog;
  close(): Promise<void>;
}

/** Largest piece of a response handed to the socket at once. */
const SEND_CHUNK = 64 * 1024;
/** Bytes all responses together hand to sockets per event loop turn. */
const SEND_PER_TURN = 512 * 1024;

/** Response bytes written in this event loop turn (reset at the next turn). */
let sentThisTurn = 0;
let resetScheduled = false;

/** Waits until this turn's send budget has room for `n` more bytes. */
async function sendBudget(n: number): Promise<void> {
  while (sentThisTurn > 0 && sentThisTurn + n > SEND_PER_TURN) await setImmediatePromise();
  sentThisTurn += n;
  if (!resetScheduled) {
    resetScheduled = true;
    setImmediate(() => {
      sentThisTurn = 0;
      resetScheduled = false;
    });
  }
}

/**
 * Sends `bytes` a chunk at a time, waiting for the socket to drain in between, and at
 * most SEND_PER_TURN bytes per event loop turn over all responses: a write to a socket
 * costs the event loop's thread the kernel's copy (and, on loopback, the receiver's
 * processing too); 64 scrapers of a 10 MB body (16,384 workloads) draining at once would
 * otherwise hold the loop for a hundred milliseconds and more in one turn.
 */
async function sendInChunks(res: ServerResponse, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length && !res.destroyed; at += SEND_CHUNK) {
    const chunk = bytes.subarray(at, at + SEND_CHUNK);
    await sendBudget(chunk.length);
    if (res.destroyed) break;
    const more = res.write(chunk);
    if (!more && !res.destroyed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.end();
}

export async function startAgentHttpServer(options: AgentHttpServerOptions): Promise<AgentHttpServer> {
  const log = options.log ?? console;
  const sources = options.sources ?? [];
  const metrics = createAgentMetrics({
    stats: options.stats,
    workloads: options.workloads,
    sources,
    configErrors: options.configErrors,
    grantClamps: options.grantClamps,
    processMetrics: options.processMetrics,
    runqueueLatency: options.runqueueLatency,
    missLateness: options.missLateness,
    overloadRule: options.overload,
    minRefreshMs: options.metricsRefreshMs,
  });
  const limits: HttpServerLimits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };

  const overload = new OverloadEndpoint({
    stats: options.stats,
    workloads: options.workloads,
    rule: options.overload,
    maxSnapshotAgeMs: options.overload?.maxSnapshotAgeMs,
  });
  const watchdog = new EventLoopWatchdog(options.liveness).start();
  const schedulerMode = options.schedulerMode ?? (() => options.stats.snapshot().mode);

  const json = (req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(req.method === 'HEAD' ? undefined : text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `method ${req.method} not allowed` }));
      return;
    }
    const path = new URL(req.url ?? '/', 'http://agent').pathname;
    if (path === '/metrics') {
      const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
      const bytes = gzip ? await metrics.renderGzip() : await metrics.renderBytes();
      res.writeHead(200, {
        'content-type': metrics.contentType,
        'content-length': bytes.length,
        vary: 'accept-encoding',
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      });
      if (req.method === 'HEAD') res.end();
      else await sendInChunks(res, bytes);
    } else if (path === '/healthz') {
      const live = watchdog.liveness();
      if (live.ok) json(req, res, 200, { status: 'ok', eventLoopLagMs: live.lagMs });
      else json(req, res, 503, { status: 'unhealthy', reasons: live.reasons, eventLoopLagMs: live.lagMs });
    } else if (path === '/readyz') {
      const ready = readiness({ schedulerMode, sources: () => sources.map((s) => s.status()) });
      if (ready.ok) json(req, res, 200, { ready: true });
      else json(req, res, 503, { ready: false, reasons: ready.reasons });
    } else if (!overload.handle(req, res)) {
      json(req, res, 404, { error: `no such endpoint ${path}`, endpoints: ['/metrics', '/healthz', '/readyz', '/overload'] });
    }
  };

  const server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.warn(`scx-slo: http ${req.method} ${req.url}: ${(err as Error).message}`);
      if (!res.headersSent) json(req, res, 500, { error: (err as Error).message });
      else res.destroy();
    });
  });
  server.maxConnections = limits.maxConnections;
  server.setTimeout(limits.idleTimeoutMs, (socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_AGENT_HTTP_PORT, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    port: address.port,
    url: `http://${hostForUrl}:${address.port}`,
    metrics,
    overload,
    watchdog,
    async close(): Promise<void> {
      watchdog.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
