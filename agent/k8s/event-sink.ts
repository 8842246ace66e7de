// Where warnings about bad SLO configuration go as Kubernetes Events. EventSink is the
// interface the pod watcher talks to; KubernetesEventSink posts core/v1 Events through
// CoreV1Api (POST /api/v1/namespaces/<ns>/events), fire-and-forget, rate-limited by a
// token bucket so a broken rollout cannot flood the API server. The watcher deduplicates
// (one Event per distinct problem per pod), this sink only limits the rate.
import { CoreV1Api, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import { describeError } from './supervised-informer.js';

/** The object an Event is about (core/v1 ObjectReference fields). */
export interface EventObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

export interface EventSink {
  /** Reports a Warning Event about `object`. Never throws; may delay or drop it when rate-limited. */
  warning(object: EventObjectRef, reason: string, message: string): void;
}

export interface KubernetesEventSinkOptions {
  /** source.component / reportingComponent (default "scx-slo"). */
  component?: string;
  /** source.host / reportingInstance: the node name. */
  host: string;
  /** Token bucket: burst size (default 25) and refill per second (default 2). */
  burst?: number;
  perSecond?: number;
  /** Events waiting for a token, at most (default 1000); more are dropped. */
  maxQueued?: number;
  log?: Pick<Console, 'warn'>;
}

const MAX_MESSAGE = 1024;

export class KubernetesEventSink implements EventSink {
  private readonly api: CoreV1Api;
  private readonly component: string;
  private readonly host: string;
  private readonly burst: number;
  private readonly perSecond: number;
  private readonly maxQueued: number;
  private readonly queue: Array<() => void> = [];
  private pumpTimer: NodeJS.Timeout | undefined;
  private readonly log: Pick<Console, 'warn'>;
  private tokens: number;
  private refilledAt = Date.now();
  private seq = 0;
  private readonly inflight = new Set<Promise<void>>();
  /** Events posted, dropped (queue full), and failed to post. */
  readonly counts = { posted: 0, dropped: 0, failed: 0 };

  constructor(kubeConfig: KubeConfig, options: KubernetesEventSinkOptions) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
    this.component = options.component ?? 'scx-slo';
    this.host = options.host;
    this.burst = options.burst ?? 25;
    this.perSecond = options.perSecond ?? 2;
    this.maxQueued = options.maxQueued ?? 1000;
    this.log = options.log ?? console;
    this.tokens = this.burst;
    if (!(this.burst >= 1)) throw new Error(`event sink: burst must be >= 1, got ${this.burst}`);
    if (!(this.perSecond > 0)) throw new Error(`event sink: perSecond must be > 0, got ${this.perSecond}`);
  }

  warning(object: EventObjectRef, reason: string, message: string): void {
    if (this.queue.length >= this.maxQueued) {
      this.counts.dropped += 1;
      return;
    }
    this.queue.push(() => this.post(object, reason, message));
    this.pump();
  }

  /** Resolves when every Event accepted so far has been posted and answered (or dropped). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.inflight.size > 0) {
      if (this.inflight.size > 0) await Promise.all([...this.inflight]);
      else await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Posts queued Events while tokens last; schedules itself for the next token. */
  private pump(): void {
    this.refill();
    while (this.queue.length > 0 && this.tokens >= 1) {
      this.tokens -= 1;
      this.queue.shift()!();
    }
    if (this.queue.length > 0 && !this.pumpTimer) {
      const waitMs = Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
      this.pumpTimer = setTimeout(() => {
        this.pumpTimer = undefined;
        this.pump();
      }, waitMs);
      this.pumpTimer.unref();
    }
  }

  private post(object: EventObjectRef, reason: string, message: string): void {
    const now = new Date();
    const base = object.name.slice(0, 200);
    const body: CoreV1Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${base}.${now.getTime().toString(16)}${(this.seq++).toString(16)}`, namespace: object.namespace },
      involvedObject: { apiVersion: object.apiVersion, kind: object.kind, namespace: object.namespace, name: object.name, uid: object.uid },
      reason,
      message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message,
      type: 'Warning',
      source: { component: this.component, host: this.host },
      reportingComponent: this.component,
      reportingInstance: this.host,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    const p = this.api.createNamespacedEvent({ namespace: object.namespace, body }).then(
      () => {
        this.counts.posted += 1;
      },
      (err: unknown) => {
        this.counts.failed += 1;
        this.log.warn(`scx-slo: cannot post Event ${reason} for ${object.kind} ${object.namespace}/${object.name}: ${describeError(err)}`);
      },
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
  }
}
