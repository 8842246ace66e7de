// Load shedding for Node HTTP services on an scx-slo node: answers 429 (or 503) with
// Retry-After while the scheduler says this pod is overloaded, so clients back off or
// retry elsewhere before latency collapses. Self-contained (node:http only) so a service
// can copy this file; see README.md for the endpoint contract.
//
//   import { overloadGuard, overloadUrlFromEnv } from './middleware.js';
//   const guard = overloadGuard({ url: overloadUrlFromEnv() });
//   app.use(guard);                                        // connect / express style
//   http.createServer(guard.wrap((req, res) => { ... }));  // plain node:http
//
// The guard polls the agent's GET /overload/<namespace>/<pod> in the background (one
// request at a time over a keep-alive connection, every pollIntervalMs) and decides each
// request from the last answer, so requests never wait for the agent. It fails open: no
// answer yet, an answer older than staleAfterMs, a 404 (no SLO for this pod) or an
// unreachable agent all mean "not overloaded". Instead of a URL it can take a state
// function (e.g. for tests or an in-process agent).
import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';

export interface OverloadGuardOptions {
  /** The agent's endpoint for this pod, e.g. http://10.0.0.5:8080/overload/shop/web-1. */
  url?: string;
  /** Or a function giving the current state; then nothing is polled. */
  state?: () => boolean | { overloaded: boolean };
  /** Pause between polls, ms (default 10). */
  pollIntervalMs?: number;
  /** Timeout of one poll, ms (default 250). */
  timeoutMs?: number;
  /** A polled state older than this counts as not overloaded, ms (default 1000). */
  staleAfterMs?: number;
  /** Status of rejected requests: 429 Too Many Requests (default) or 503 Service Unavailable. */
  status?: 429 | 503;
  /** Retry-After header value in seconds (default 1). */
  retryAfterSeconds?: number;
  /** Requests never rejected (e.g. health checks): return true to let one through. */
  exempt?: (req: IncomingMessage) => boolean;
  /** Told about poll failures (default: ignored). */
  onError?: (err: Error) => void;
}

export type NextFunction = (err?: unknown) => void;
export type RequestHandler<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse> = (req: Req, res: Res) => void;

export interface OverloadGuard {
  /** Connect-style middleware: rejects while overloaded, else calls next(). */
  (req: IncomingMessage, res: ServerResponse, next: NextFunction): void;
  /** Wraps a node:http request handler. */
  wrap<Req extends IncomingMessage, Res extends ServerResponse>(handler: RequestHandler<Req, Res>): RequestHandler<Req, Res>;
  /** Whether requests are being rejected right now. */
  overloaded(): boolean;
  /** Requests rejected so far. */
  readonly rejected: number;
  /** Resolves once the first poll has been answered (at once with a state function). */
  ready(): Promise<void>;
  /** Stops polling. */
  close(): void;
}

/**
 * The URL for this pod from the environment: SCX_SLO_OVERLOAD_URL, or built from the
 * downward API variables NODE_IP (or HOST_IP), POD_NAMESPACE and POD_NAME and the agent
 * port SCX_SLO_AGENT_PORT (default 8080). Undefined when they are not set.
 */
export function overloadUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env['SCX_SLO_OVERLOAD_URL']) return env['SCX_SLO_OVERLOAD_URL'];
  const host = env['NODE_IP'] ?? env['HOST_IP'];
  const ns = env['POD_NAMESPACE'];
  const pod = env['POD_NAME'];
  if (!host || !ns || !pod) return undefined;
  const port = env['SCX_SLO_AGENT_PORT'] ?? '8080';
  const h = host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}/overload/${encodeURIComponent(ns)}/${encodeURIComponent(pod)}`;
}

export function overloadGuard(options: OverloadGuardOptions): OverloadGuard {
  const status = options.status ?? 429;
  if (status !== 429 && status !== 503) throw new Error(`overloadGuard: status must be 429 or 503, got ${String(status)}`);
  const retryAfter = String(Math.max(0, Math.round(options.retryAfterSeconds ?? 1)));
  if (!options.url && !options.state) throw new Error('overloadGuard: give a url to poll or a state function');
  const poller = options.state ? undefined : new Poller(options);
  let rejected = 0;

  const isOverloaded = (): boolean => {
    if (options.state) {
      const s = options.state();
      return typeof s === 'boolean' ? s : s.overloaded === true;
    }
    return poller!.overloaded();
  };

  const reject = (req: IncomingMessage, res: ServerResponse): void => {
    rejected += 1;
    const body = 'overloaded, retry later\n';
    res.writeHead(status, { 'retry-after': retryAfter, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const shouldReject = (req: IncomingMessage): boolean => !(options.exempt?.(req) ?? false) && isOverloaded();

  const guard = ((req: IncomingMessage, res: ServerResponse, next: NextFunction): void => {
    if (shouldReject(req)) reject(req, res);
    else next();
  }) as OverloadGuard;
  guard.wrap = <Req extends IncomingMessage, Res extends ServerResponse>(handler: RequestHandler<Req, Res>): RequestHandler<Req, Res> =>
    (req, res) => {
      if (shouldReject(req)) reject(req, res);
      else handler(req, res);
    };
  guard.overloaded = isOverloaded;
  Object.defineProperty(guard, 'rejected', { get: () => rejected });
  guard.ready = () => (poller ? poller.ready : Promise.resolve());
  guard.close = () => poller?.close();
  return guard;
}

/** Polls the endpoint, one request at a time, and keeps the last answer. */
class Poller {
  private readonly url: URL;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly interval: number;
  private readonly timeout: number;
  private readonly staleAfter: number;
  private state = false;
  private answeredAt = Number.NEGATIVE_INFINITY;
  private failures = 0;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private markReady!: () => void;
  readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(private readonly options: OverloadGuardOptions) {
    this.url = new URL(options.url!);
    if (this.url.protocol !== 'http:') throw new Error(`overloadGuard: url must be http://, got ${options.url}`);
    this.interval = options.pollIntervalMs ?? 10;
    this.timeout = options.timeoutMs ?? 250;
    this.staleAfter = options.staleAfterMs ?? 1000;
    this.poll();
  }

  overloaded(): boolean {
    return this.state && performance.now() - this.answeredAt <= this.staleAfter;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.agent.destroy();
    this.markReady();
  }

  private poll(): void {
    if (this.closed) return;
    let settled = false;
    const finish = (overloaded: boolean | undefined, err?: Error): void => {
      if (settled) return;
      settled = true;
      if (err) {
        this.failures += 1;
        this.options.onError?.(err);
      } else {
        this.failures = 0;
        this.state = overloaded === true;
        this.answeredAt = performance.now();
        this.markReady();
      }
      // Back off while the agent is unreachable: 2x per failure up to 1 s.
      const delay = err ? Math.min(1000, this.interval * 2 ** Math.min(this.failures, 10)) : this.interval;
      this.timer = setTimeout(() => this.poll(), delay);
      this.timer.unref();
    };
    const req = request(this.url, { agent: this.agent, timeout: this.timeout, headers: { accept: 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 65536) body += c;
      });
      res.on('error', (e) => finish(undefined, e));
      res.on('end', () => {
        if (res.statusCode === 404) return finish(false);
        if (res.statusCode !== 200) return finish(undefined, new Error(`overload endpoint answered HTTP ${res.statusCode}`));
        try {
          const parsed = JSON.parse(body) as { overloaded?: unknown };
          if (typeof parsed.overloaded !== 'boolean') return finish(undefined, new Error('overload endpoint answer has no boolean "overloaded"'));
          finish(parsed.overloaded);
        } catch {
          finish(undefined, new Error('overload endpoint answered invalid JSON'));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`overload endpoint did not answer within ${this.timeout} ms`)));
    req.on('error', (e) => finish(undefined, e));
    req.end();
  }
}
