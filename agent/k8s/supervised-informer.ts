// A @kubernetes/client-node ListWatch informer that keeps running. The library's
// ListWatch relists by itself on 410 Gone and reconnects after a watch ends cleanly, but
// on any other error (connection refused or reset, HTTP 5xx, a failed list) it calls its
// error callbacks and stops for good. This wrapper restarts it after such errors with
// exponential backoff, logs and counts the restarts, and says whether it has listed at
// least once (`synced`). A restart resumes the watch from the last resourceVersion seen;
// when the server no longer has that version it answers 410 and the informer relists,
// emitting deletes for objects that vanished meanwhile, so the cache converges to the
// server's state either way. Watches ask for bookmarks (allowWatchBookmarks=true) so the
// resourceVersion stays fresh on quiet resources.
import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';

export interface RestartBackoff {
  /** Delay before the first restart after an error. */
  initialMs: number;
  /** Upper bound of the doubling delay; also: healthy this long resets the backoff. */
  maxMs: number;
}

export const DEFAULT_RESTART_BACKOFF: RestartBackoff = { initialMs: 500, maxMs: 30_000 };
export const DEFAULT_MAX_RECONNECT_DELAY_MS = 5000;

export interface SupervisedInformerOptions<T extends KubernetesObject> {
  /** Name for logs and metrics, e.g. "pods". */
  name: string;
  kubeConfig: KubeConfig;
  /** Collection path to watch, e.g. "/api/v1/pods". */
  path: string;
  /** Lists the collection (with the same selectors as the watch). */
  list: () => Promise<KubernetesListObject<T>>;
  fieldSelector?: string;
  labelSelector?: string;
  /** Called (synchronously) after the cache changed, and after each completed list. */
  onChange: () => void;
  backoff?: RestartBackoff;
  /** A list taking longer than this fails (and is retried), ms (default 60 s). */
  listTimeoutMs?: number;
  /**
   * Cap on the library's own reconnect delay after a watch ends cleanly without events
   * (it doubles from 1 s up to 30 s; nothing is watched meanwhile). Default 5 s.
   */
  maxReconnectDelayMs?: number;
  log?: Pick<Console, 'info' | 'warn'>;
}

/** A Watch that asks for bookmarks, turns setup exceptions into `done(err)` and can be closed. */
class SupervisedWatch extends Watch {
  closed = false;

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    if (this.closed) return abortedController();
    try {
      return await super.watch(path, { ...queryParams, allowWatchBookmarks: true }, callback, done);
    } catch (err) {
      done(err);
      return abortedController();
    }
  }
}

function abortedController(): AbortController {
  const c = new AbortController();
  c.abort();
  return c;
}

export class SupervisedInformer<T extends KubernetesObject> {
  private readonly informer: ListWatch<T>;
  private readonly watch: SupervisedWatch;
  private readonly backoff: RestartBackoff;
  private readonly log: Pick<Console, 'info' | 'warn'>;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly sleeps = new Set<() => void>();
  private failures = 0;
  private lastRestartAt = 0;
  private listedOnce = false;
  private restartCount = 0;
  private lastErrorText: string | undefined;

  constructor(private readonly options: SupervisedInformerOptions<T>) {
    this.backoff = options.backoff ?? DEFAULT_RESTART_BACKOFF;
    this.log = options.log ?? console;
    this.watch = new SupervisedWatch(options.kubeConfig);
    const maxReconnect = options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS;
    this.informer = new ListWatch<T>(
      options.path,
      this.watch,
      () => this.listOnce(),
      false,
      options.labelSelector,
      options.fieldSelector,
      { delayFn: (ms) => this.sleep(Math.min(ms, maxReconnect)) },
    );
    const changed = (): void => {
      this.failures = 0;
      if (!this.stopped) options.onChange();
    };
    this.informer.on('add', changed);
    this.informer.on('update', changed);
    this.informer.on('delete', changed);
    this.informer.on('error', (err: unknown) => this.failed(err));
  }

  /** Starts listing and watching (returns at once; see `synced`). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.watch.closed = false;
    this.run();
  }

  /** Stops for good: aborts the watch and cancels pending restarts. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watch.closed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    for (const wake of this.sleeps) wake();
    this.sleeps.clear();
    await this.informer.stop();
  }

  /** The cached objects. */
  list(): readonly T[] {
    return this.informer.list();
  }

  /** True once a list has completed (the cache then reflects the server). */
  get synced(): boolean {
    return this.listedOnce;
  }

  /** Restarts after errors so far. */
  get restarts(): number {
    return this.restartCount;
  }

  /** The last error that stopped the informer, if any. */
  get lastError(): string | undefined {
    return this.lastErrorText;
  }

  private run(): void {
    this.informer.start().catch((err: unknown) => this.failed(err));
  }

  private async listOnce(): Promise<KubernetesListObject<T>> {
    const timeoutMs = this.options.listTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`list of ${this.options.name} did not complete within ${timeoutMs} ms`)), timeoutMs);
    });
    let list: KubernetesListObject<T>;
    try {
      list = await Promise.race([this.options.list(), timeout]);
    } finally {
      clearTimeout(timer);
    }
    this.listedOnce = true;
    this.failures = 0;
    // The ListWatch fills its cache from `list` right after this promise resolves (in the
    // same microtask run), so by the next macrotask the cache is the listed state.
    setImmediate(() => {
      if (!this.stopped) this.options.onChange();
    });
    return list;
  }

  private failed(err: unknown): void {
    if (this.stopped) return;
    const text = describeError(err);
    if (this.restartTimer) return;
    if (Date.now() - this.lastRestartAt > this.backoff.maxMs) this.failures = 0;
    const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(this.failures, 30));
    if (text !== this.lastErrorText || this.failures % 10 === 0) {
      this.log.warn(`scx-slo: ${this.options.name} watch stopped: ${text}; restarting in ${delay} ms (restarts so far: ${this.restartCount})`);
    }
    this.lastErrorText = text;
    this.failures += 1;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.restartCount += 1;
      this.lastRestartAt = Date.now();
      this.run();
    }, delay);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeps.add(wake);
    });
  }
}

/** One line describing a list/watch failure: HTTP status, errno code, message. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error) && (typeof err !== 'object' || err === null)) return String(err);
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown; name?: unknown; cause?: { code?: unknown; message?: unknown } };
  const parts: string[] = [];
  if (typeof e.statusCode === 'number') parts.push(`HTTP ${e.statusCode}`);
  else if (typeof e.code === 'number') parts.push(`HTTP ${e.code}`);
  else if (typeof e.code === 'string') parts.push(e.code);
  if (e.cause && typeof e.cause.code === 'string') parts.push(e.cause.code);
  const message = typeof e.message === 'string' ? e.message.split('\n')[0]!.slice(0, 200) : '';
  if (message) parts.push(message);
  else if (typeof e.name === 'string') parts.push(e.name);
  return parts.join(': ') || 'unknown error';
}
