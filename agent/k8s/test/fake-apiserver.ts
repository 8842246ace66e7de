// A small Kubernetes API server for tests, speaking the list/watch protocol the way
// kube-apiserver does, over plain HTTP on 127.0.0.1:
//
//   GET  /api/v1/pods[?fieldSelector=F][&labelSelector=L][&limit=N][&continue=T]
//        -> PodList (metadata.resourceVersion). Selectors as the real server evaluates
//           them (fake-selectors.ts): an unsupported field or a bad label selector is a
//           400. With limit, items come in key order (namespace/name), at most N, with
//           metadata.continue when more remain (and remainingItemCount when no selector
//           filters); continuing serves the remaining items of the same snapshot (the
//           first page's resourceVersion), and once that resourceVersion is compacted
//           away the continue token is refused with 410 Expired: the client must list
//           again from the start.
//   GET  /api/v1/pods?watch=true&resourceVersion=R[&allowWatchBookmarks=true]
//        -> newline-delimited watch events ADDED / MODIFIED / DELETED / BOOKMARK:
//           R "" or "0": synthetic ADDED for every current object, then live events;
//           R older than the watch history: 410 Gone, as an ERROR event (code 410,
//           reason Expired) or as HTTP 410 (`goneAs`), then the stream ends;
//           otherwise every event after R, then live events. Objects moving in or out of
//           the field or label selector arrive as ADDED / DELETED, as with the real server.
//   GET  /apis/scx-slo.io/v1alpha1/slopolicies[...]              -> the same for SLOPolicies
//                                                                   (404 while the CRD is "not installed")
//   POST /api/v1/namespaces/<ns>/events                          -> records the Event, 201
//
// FakeClusterState is the "etcd": objects, the resourceVersion counter and the event
// history; it outlives FakeApiServer instances, so a test can stop the server, change
// objects while it is down and start it again. Like a restarted kube-apiserver, a new
// server's watch history starts at the current resourceVersion unless told otherwise.
// delete() removes at once (like a delete with gracePeriodSeconds=0); deleteGracefully()
// is the real pod deletion: MODIFIED with metadata.deletionTimestamp and
// deletionGracePeriodSeconds first, DELETED only when finishDeletion() (the kubelet,
// once the containers are gone) completes it.
// Tests also get: dropWatches() (sockets destroyed mid-stream), endWatches() (clean end),
// compact() (history dropped: older resourceVersions get 410), failNext() (HTTP errors),
// hangNext() (requests never answered), sendBookmarks(), and the log of requests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fieldSelectorFilter, labelSelectorFilter, SelectorError } from './fake-selectors.js';

export type Resource = 'pods' | 'slopolicies';

export interface FakeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

interface HistoryEvent {
  rv: number;
  resource: Resource;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: FakeObject;
  /** The object before a MODIFIED, for selector transitions. */
  previous?: FakeObject;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const key = (o: FakeObject): string => `${o.metadata.namespace}/${o.metadata.name}`;

export class FakeClusterState {
  rv = 100;
  readonly objects: Record<Resource, Map<string, FakeObject>> = { pods: new Map(), slopolicies: new Map() };
  readonly history: HistoryEvent[] = [];
  readonly events: FakeObject[] = [];
  private uidSeq = 0;
  private readonly listeners = new Set<(e: HistoryEvent) => void>();

  onEvent(fn: (e: HistoryEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  create(resource: Resource, obj: FakeObject): FakeObject {
    const o = clone(obj);
    if (this.objects[resource].has(key(o))) throw new Error(`fake apiserver: ${resource} ${key(o)} exists`);
    o.metadata.uid ??= `00000000-0000-4000-8000-${(++this.uidSeq).toString(16).padStart(12, '0')}`;
    o.metadata.creationTimestamp ??= new Date().toISOString();
    o.metadata.resourceVersion = String(++this.rv);
    this.objects[resource].set(key(o), o);
    this.emit({ rv: this.rv, resource, type: 'ADDED', object: clone(o) });
    return clone(o);
  }

  update(resource: Resource, namespace: string, name: string, mutate: (o: FakeObject) => void): FakeObject {
    const old = this.objects[resource].get(`${namespace}/${name}`);
    if (!old) throw new Error(`fake apiserver: ${resource} ${namespace}/${name} not found`);
    const o = clone(old);
    mutate(o);
    o.metadata.resourceVersion = String(++this.rv);
    this.objects[resource].set(key(o), o);
    this.emit({ rv: this.rv, resource, type: 'MODIFIED', object: clone(o), previous: clone(old) });
    return clone(o);
  }

  /** Starts a graceful deletion: deletionTimestamp set (a MODIFIED event), the object stays until finishDeletion(). */
  deleteGracefully(resource: Resource, namespace: string, name: string, gracePeriodSeconds = 30): FakeObject {
    const old = this.objects[resource].get(`${namespace}/${name}`);
    if (!old) throw new Error(`fake apiserver: ${resource} ${namespace}/${name} not found`);
    if (old.metadata['deletionTimestamp']) return clone(old);
    return this.update(resource, namespace, name, (o) => {
      o.metadata['deletionTimestamp'] = new Date(Date.now() + gracePeriodSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      o.metadata['deletionGracePeriodSeconds'] = gracePeriodSeconds;
    });
  }

  /** Completes a graceful deletion (the kubelet saw the containers stop): DELETED. */
  finishDeletion(resource: Resource, namespace: string, name: string): void {
    const old = this.objects[resource].get(`${namespace}/${name}`);
    if (!old?.metadata['deletionTimestamp']) throw new Error(`fake apiserver: ${resource} ${namespace}/${name} is not being deleted`);
    this.delete(resource, namespace, name);
  }

  /** The objects of `resource` as they were at resourceVersion `rv` (replayed from the history). */
  objectsAt(resource: Resource, rv: number): Map<string, FakeObject> {
    if (rv >= this.rv) return new Map(this.objects[resource]);
    const out = new Map<string, FakeObject>();
    for (const e of this.history) {
      if (e.rv > rv) break;
      if (e.resource !== resource) continue;
      if (e.type === 'DELETED') out.delete(key(e.object));
      else out.set(key(e.object), e.object);
    }
    return out;
  }

  delete(resource: Resource, namespace: string, name: string): void {
    const old = this.objects[resource].get(`${namespace}/${name}`);
    if (!old) throw new Error(`fake apiserver: ${resource} ${namespace}/${name} not found`);
    this.objects[resource].delete(key(old));
    const o = clone(old);
    o.metadata.resourceVersion = String(++this.rv);
    this.emit({ rv: this.rv, resource, type: 'DELETED', object: o });
  }

  private emit(e: HistoryEvent): void {
    this.history.push(e);
    for (const fn of this.listeners) fn(e);
  }
}

interface ActiveWatch {
  resource: Resource;
  res: ServerResponse;
  socket: Socket;
  bookmarks: boolean;
  stop: () => void;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

export interface FakeApiServerOptions {
  /** How a too-old resourceVersion is refused (default "event"). */
  goneAs?: 'event' | 'http';
  /** The watch history starts here (default: the state's current resourceVersion). */
  historyFrom?: number;
  /** Whether the SLOPolicy CRD is installed (default true). */
  crdInstalled?: boolean;
}

export class FakeApiServer {
  readonly requests: RequestRecord[] = [];
  goneAs: 'event' | 'http';
  crdInstalled: boolean;
  /** Watch events with rv <= this are forgotten: watching from before it gets 410. */
  historyFrom: number;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<ActiveWatch>();
  private failures: Array<{ match: RegExp; status: number }> = [];
  private hangs: Array<{ match: RegExp }> = [];
  private boundPort = 0;

  constructor(
    readonly state: FakeClusterState,
    options: FakeApiServerOptions = {},
  ) {
    this.goneAs = options.goneAs ?? 'event';
    this.crdInstalled = options.crdInstalled ?? true;
    this.historyFrom = options.historyFrom ?? state.rv;
  }

  /** Starts listening on 127.0.0.1 (`port` 0 = any free port); resolves to the port. */
  async start(port = 0): Promise<number> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    return this.boundPort;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  /** Stops like a crashed server: every connection is cut. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const w of this.watches) w.stop();
    this.watches.clear();
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Number of watch streams currently open. */
  get openWatches(): number {
    return this.watches.size;
  }

  /** Cuts every open watch connection mid-stream (no chunked terminator). */
  dropWatches(): void {
    for (const w of [...this.watches]) {
      w.stop();
      w.socket.destroy();
    }
  }

  /** Ends every open watch cleanly, as the server does when a watch times out. */
  endWatches(): void {
    for (const w of [...this.watches]) {
      w.stop();
      w.res.end();
    }
  }

  /** Forgets the watch history: watching from any earlier resourceVersion gets 410. */
  compact(): void {
    this.historyFrom = this.state.rv;
  }

  /** The next `count` requests whose path matches `match` fail with HTTP `status`. */
  failNext(match: RegExp, status: number, count = 1): void {
    for (let i = 0; i < count; i++) this.failures.push({ match, status });
  }

  /** The next `count` requests whose path matches `match` are never answered. */
  hangNext(match: RegExp, count = 1): void {
    for (let i = 0; i < count; i++) this.hangs.push({ match });
  }

  /** Sends a BOOKMARK at the current resourceVersion to watches that allow bookmarks. */
  sendBookmarks(): void {
    for (const w of this.watches) {
      if (!w.bookmarks) continue;
      const kind = w.resource === 'pods' ? 'Pod' : 'SLOPolicy';
      const apiVersion = w.resource === 'pods' ? 'v1' : 'scx-slo.io/v1alpha1';
      w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind, apiVersion, metadata: { resourceVersion: String(this.state.rv) } } })}\n`);
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams.entries());
    const record: RequestRecord = { method: req.method ?? 'GET', path: url.pathname, query, status: 200 };
    this.requests.push(record);
    const reply = (status: number, body: unknown): void => {
      record.status = status;
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const hang = this.hangs.findIndex((h) => h.match.test(url.pathname + url.search));
    if (hang >= 0) {
      this.hangs.splice(hang, 1);
      record.status = 0;
      return;
    }
    const fail = this.failures.findIndex((f) => f.match.test(url.pathname + url.search));
    if (fail >= 0) {
      const { status } = this.failures[fail]!;
      this.failures.splice(fail, 1);
      reply(status, statusObject(status, 'InternalError', `injected failure ${status}`));
      return;
    }

    const eventsPath = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(url.pathname);
    if (eventsPath && req.method === 'POST') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        let ev: FakeObject;
        try {
          ev = JSON.parse(body) as FakeObject;
        } catch {
          reply(400, statusObject(400, 'BadRequest', 'invalid JSON'));
          return;
        }
        if (ev.metadata?.namespace !== undefined && ev.metadata.namespace !== eventsPath[1]) {
          reply(400, statusObject(400, 'BadRequest', 'namespace mismatch'));
          return;
        }
        this.state.events.push(ev);
        reply(201, ev);
      });
      return;
    }

    let resource: Resource | undefined;
    if (url.pathname === '/api/v1/pods') resource = 'pods';
    else if (url.pathname === '/apis/scx-slo.io/v1alpha1/slopolicies') resource = 'slopolicies';
    if (!resource || req.method !== 'GET') {
      reply(404, statusObject(404, 'NotFound', `the server could not find the requested resource (${req.method} ${url.pathname})`));
      return;
    }
    if (resource === 'slopolicies' && !this.crdInstalled) {
      reply(404, statusObject(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    let filter: (o: FakeObject) => boolean;
    try {
      const byField = fieldSelectorFilter(resource, query['fieldSelector']);
      const byLabel = labelSelectorFilter(query['labelSelector']);
      filter = (o) => byField(o as unknown as Parameters<typeof byField>[0]) && byLabel(o as unknown as Parameters<typeof byLabel>[0]);
    } catch (err) {
      if (!(err instanceof SelectorError)) throw err;
      reply(400, statusObject(400, 'BadRequest', err.message));
      return;
    }

    if (query['watch'] !== 'true' && query['watch'] !== '1') {
      this.list(resource, query, filter, reply);
      return;
    }
    this.watch(resource, query, filter, req, res, record);
  }

  private list(resource: Resource, query: Record<string, string>, filter: (o: FakeObject) => boolean, reply: (status: number, body: unknown) => void): void {
    const limitText = query['limit'];
    const limit = limitText === undefined || limitText === '' ? 0 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 0) {
      reply(400, statusObject(400, 'BadRequest', `invalid limit ${JSON.stringify(limitText)}`));
      return;
    }
    let rv = this.state.rv;
    let start = '';
    if (query['continue']) {
      const token = decodeContinue(query['continue']);
      if (!token) {
        reply(400, statusObject(400, 'BadRequest', 'continue key is not valid: could not decode the continue token'));
        return;
      }
      if (token.rv < this.historyFrom) {
        reply(410, statusObject(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list ' +
          'without the continue parameter.'));
        return;
      }
      rv = token.rv;
      start = token.start;
    }
    const all = [...this.state.objectsAt(resource, rv).entries()]
      .filter(([k, o]) => k >= start && filter(o))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const page = limit > 0 ? all.slice(0, limit) : all;
    const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
    if (page.length < all.length) {
      metadata['continue'] = encodeContinue(rv, `${page[page.length - 1]![0]}\u0000`);
      if (!query['fieldSelector'] && !query['labelSelector']) metadata['remainingItemCount'] = all.length - page.length;
    }
    const kind = resource === 'pods' ? 'PodList' : 'SLOPolicyList';
    const apiVersion = resource === 'pods' ? 'v1' : 'scx-slo.io/v1alpha1';
    reply(200, { kind, apiVersion, metadata, items: page.map(([, o]) => o) });
  }

  private watch(
    resource: Resource,
    query: Record<string, string>,
    filter: (o: FakeObject) => boolean,
    req: IncomingMessage,
    res: ServerResponse,
    record: RequestRecord,
  ): void {
    const rvText = query['resourceVersion'] ?? '';
    const fromRv = rvText === '' || rvText === '0' ? undefined : Number(rvText);
    if (fromRv !== undefined && (!Number.isInteger(fromRv) || fromRv < 0)) {
      record.status = 400;
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify(statusObject(400, 'BadRequest', `invalid resourceVersion ${rvText}`)));
      return;
    }
    const tooOld = fromRv !== undefined && fromRv < this.historyFrom;
    if (tooOld && this.goneAs === 'http') {
      record.status = 410;
      res.writeHead(410, { 'content-type': 'application/json' });
      res.end(JSON.stringify(statusObject(410, 'Expired', `too old resource version: ${fromRv} (${this.historyFrom})`)));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const send = (type: string, object: unknown): void => {
      res.write(`${JSON.stringify({ type, object })}\n`);
    };
    if (tooOld) {
      send('ERROR', statusObject(410, 'Expired', `too old resource version: ${fromRv} (${this.historyFrom})`));
      res.end();
      return;
    }
    const deliver = (e: HistoryEvent): void => {
      if (e.resource !== resource) return;
      const now = filter(e.object);
      if (e.type === 'MODIFIED') {
        const before = e.previous ? filter(e.previous) : now;
        if (now && before) send('MODIFIED', e.object);
        else if (now) send('ADDED', e.object);
        else if (before) send('DELETED', e.object);
      } else if (now) {
        send(e.type, e.object);
      }
    };
    if (fromRv === undefined) {
      for (const o of this.state.objects[resource].values()) if (filter(o)) send('ADDED', o);
    } else {
      for (const e of this.state.history) if (e.rv > fromRv) deliver(e);
    }
    const unsubscribe = this.state.onEvent(deliver);
    let timeout: NodeJS.Timeout | undefined;
    const active: ActiveWatch = {
      resource,
      res,
      socket: req.socket,
      bookmarks: query['allowWatchBookmarks'] === 'true',
      stop: () => {
        unsubscribe();
        if (timeout) clearTimeout(timeout);
        this.watches.delete(active);
      },
    };
    this.watches.add(active);
    const seconds = Number(query['timeoutSeconds']);
    if (Number.isFinite(seconds) && seconds > 0) {
      timeout = setTimeout(() => {
        active.stop();
        res.end();
      }, seconds * 1000);
    }
    res.on('close', () => active.stop());
  }
}

function statusObject(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** A continue token as the real server makes one: base64url of {"v","rv","start"}. */
function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; rv?: unknown; start?: unknown };
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || !Number.isInteger(t.rv) || typeof t.start !== 'string') return undefined;
    return { rv: t.rv, start: t.start };
  } catch {
    return undefined;
  }
}
