// The overload endpoint, served by the agent's HTTP server (contract in README.md here):
//
//   GET /overload/<namespace>/<pod>   -> 200 {"overloaded":false,...} for a pod with an SLO on
//                                        this node; 404 {"overloaded":false,"error":...} otherwise
//   GET /overload?cgroup=<path>       -> the same for a cgroup of the config file
//   GET /overload                     -> 200 all workloads at once, compact
//
// States are computed from a scheduler snapshot reused for at most `maxSnapshotAgeMs`
// (default 5 ms), so polling is cheap however many clients poll, and evaluated at the
// request's time: the kernel clock is advanced by the time since the snapshot was taken.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CgroupSloStats, SchedulerSnapshot, SchedulerStatsSource } from '../kernel/scheduler-stats.js';
import type { Workload, WorkloadLookup } from '../slo/workload-registry.js';
import { DEFAULT_OVERLOAD_RULE, overloadState, type OverloadRule, type OverloadState } from './overload-state.js';

export interface OverloadEndpointOptions {
  stats: SchedulerStatsSource;
  workloads: WorkloadLookup;
  /** Definition of overloaded (default: a miss or negative slack within 50 ms). */
  rule?: Partial<OverloadRule>;
  /** Longest a scheduler snapshot is reused, ms (default 5). */
  maxSnapshotAgeMs?: number;
  /** Monotonic clock in ns (tests). */
  clockNs?: () => bigint;
}

export interface WorkloadOverload extends OverloadState {
  namespace?: string;
  pod?: string;
  cgroup: string;
  windowMs: number;
  /** Age of the kernel data the state was computed from, ms. */
  snapshotAgeMs: number;
  mode: string;
}

export interface OverloadSummary {
  windowMs: number;
  snapshotAgeMs: number;
  mode: string;
  /** "namespace/pod" of every overloaded pod, and paths of overloaded config-file cgroups. */
  overloaded: string[];
  /** "namespace/pod" -> overloaded. */
  pods: Record<string, boolean>;
  /** cgroup path -> overloaded, for workloads that are not pods. */
  cgroups: Record<string, boolean>;
}

export class OverloadEndpoint {
  private readonly rule: OverloadRule;
  private readonly maxAgeNs: bigint;
  private readonly clockNs: () => bigint;
  private cached: { snap: SchedulerSnapshot; at: bigint } | undefined;

  constructor(private readonly options: OverloadEndpointOptions) {
    this.rule = { ...DEFAULT_OVERLOAD_RULE, ...options.rule };
    if (!(this.rule.windowMs > 0)) throw new Error(`overload: windowMs must be > 0, got ${this.rule.windowMs}`);
    this.maxAgeNs = BigInt(Math.round((options.maxSnapshotAgeMs ?? 5) * 1e6));
    this.clockNs = options.clockNs ?? (() => process.hrtime.bigint());
  }

  /** A pod's state, or undefined when it has no SLO workload on this node. Throws if stats cannot be read. */
  pod(namespace: string, name: string): WorkloadOverload | undefined {
    const w = this.options.workloads.byPod(namespace, name);
    return w ? this.stateOf(w, this.view()) : undefined;
  }

  /** A config-file cgroup's state, or undefined when unknown. */
  cgroup(path: string): WorkloadOverload | undefined {
    const w = this.options.workloads.byCgroupPath(path.replace(/^\/+|\/+$/g, ''));
    return w ? this.stateOf(w, this.view()) : undefined;
  }

  /** Every workload's state. */
  summary(): OverloadSummary {
    const view = this.view();
    const out: OverloadSummary = { windowMs: this.rule.windowMs, snapshotAgeMs: view.ageMs, mode: view.snap.mode, overloaded: [], pods: {}, cgroups: {} };
    for (const w of this.options.workloads.list()) {
      const s = this.stateOf(w, view);
      const key = w.pod ? `${w.pod.namespace}/${w.pod.name}` : w.cgroupPath;
      if (w.pod) out.pods[key] = s.overloaded;
      else out.cgroups[key] = s.overloaded;
      if (s.overloaded) out.overloaded.push(key);
    }
    out.overloaded.sort();
    return out;
  }

  /** Serves GET /overload...; returns false (and does nothing) for other paths. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://agent');
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== '/overload' && !path.startsWith('/overload/')) return false;
    const reply = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    try {
      if (path === '/overload') {
        const cgroup = url.searchParams.get('cgroup');
        if (cgroup === null) {
          reply(200, this.summary());
          return true;
        }
        const state = this.cgroup(cgroup);
        if (state) reply(200, state);
        else reply(404, { overloaded: false, error: `no SLO workload for cgroup ${JSON.stringify(cgroup)} on this node` });
        return true;
      }
      const parts = path.slice('/overload/'.length).split('/');
      if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
        reply(404, { overloaded: false, error: 'use /overload/<namespace>/<pod>, /overload?cgroup=<path> or /overload' });
        return true;
      }
      let namespace: string;
      let name: string;
      try {
        [namespace, name] = parts.map((p) => decodeURIComponent(p)) as [string, string];
      } catch {
        reply(400, { overloaded: false, error: `malformed path ${JSON.stringify(url.pathname)}` });
        return true;
      }
      const state = this.pod(namespace, name);
      if (state) reply(200, state);
      else reply(404, { overloaded: false, error: `no SLO workload for pod ${namespace}/${name} on this node` });
    } catch (err) {
      reply(503, { overloaded: false, error: `scheduler stats unavailable: ${(err as Error).message}` });
    }
    return true;
  }

  private view(): { snap: SchedulerSnapshot; nowNs: number; ageMs: number } {
    const now = this.clockNs();
    if (!this.cached || now - this.cached.at > this.maxAgeNs) {
      this.cached = { snap: this.options.stats.snapshot(), at: now };
    }
    const ageNs = Number(now - this.cached.at);
    return { snap: this.cached.snap, nowNs: this.cached.snap.takenAtNs + ageNs, ageMs: Math.round(ageNs / 1000) / 1000 };
  }

  private stateOf(w: Workload, view: { snap: SchedulerSnapshot; nowNs: number; ageMs: number }): WorkloadOverload {
    const stats: CgroupSloStats | undefined = view.snap.cgroups.get(w.cgroupId);
    const state = overloadState(stats, view.nowNs, this.rule);
    return {
      ...(w.pod ? { namespace: w.pod.namespace, pod: w.pod.name } : {}),
      cgroup: w.cgroupPath,
      ...state,
      windowMs: this.rule.windowMs,
      snapshotAgeMs: view.ageMs,
      mode: view.snap.mode,
    };
  }
}
