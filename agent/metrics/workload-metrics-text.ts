// The per-workload metric families in the Prometheus text format, written straight from a
// scheduler snapshot in slices of at most `sliceMs` with the event loop free in between:
// with 16,384 workloads they are about 65,000 samples and 10 MB of text, which
// prom-client's registry takes around a second to format in one go (measured here), far
// past the agent's stall bound. Only ids a source knows are exported (a pod's namespace,
// name and cgroup path), plus id 0 as cgroup="unconfigured"; an id no source knows (a
// workload deleted since the kernel counted it) is left out. The text is written as bytes
// into one buffer (no string per sample), which the HTTP server sends as it is.
//
//   scx_slo_workload_deadline_misses_total{namespace,pod,cgroup}   counter
//   scx_slo_workload_runs_total{namespace,pod,cgroup}              counter
//   scx_slo_workload_wait_seconds_total{namespace,pod,cgroup}      counter
//   scx_slo_pod_overloaded{namespace,pod,cgroup}                   gauge
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { CgroupSloStats, SchedulerSnapshot } from '../kernel/scheduler-stats.js';
import { DEFAULT_OVERLOAD_RULE, overloadState, type OverloadRule } from '../overload/overload-state.js';
import type { Workload, WorkloadLookup } from '../slo/workload-registry.js';

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  value: (c: CgroupSloStats, snap: SchedulerSnapshot) => number;
  /** Also for id 0 (tasks without an SLO). */
  withUnconfigured: boolean;
}

export function workloadFamilies(prefix: string, overload: OverloadRule = DEFAULT_OVERLOAD_RULE): Family[] {
  return [
    { name: `${prefix}workload_deadline_misses_total`, type: 'counter', withUnconfigured: true,
      help: 'Runs of a workload\'s tasks that started after their deadline, per SLO cgroup.', value: (c) => c.misses },
    { name: `${prefix}workload_runs_total`, type: 'counter', withUnconfigured: true,
      help: 'Runs of a workload\'s tasks after an enqueue, per SLO cgroup.', value: (c) => c.runs },
    { name: `${prefix}workload_wait_seconds_total`, type: 'counter', withUnconfigured: true,
      help: 'Total enqueue-to-run wait of a workload\'s tasks, per SLO cgroup.', value: (c) => c.waitNsSum / 1e9 },
    {
      name: `${prefix}pod_overloaded`, type: 'gauge', withUnconfigured: false,
      help: `Whether a workload is overloaded right now (a deadline miss or a run with slack below ${overload.slackThresholdMs} ms in the last ` +
        `${overload.windowMs} ms): the load-shedding signal of /overload.`,
      value: (c, s) => (overloadState(c, s.takenAtNs, overload).overloaded ? 1 : 0),
    },
  ];
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

const UNCONFIGURED_LABELS = Buffer.from('{namespace="",pod="",cgroup="unconfigured"} ');

/** A growing byte buffer written without intermediate strings. */
class ByteSink {
  private buf: Buffer;
  length = 0;
  constructor(initial: number) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, initial));
  }
  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  /** An ASCII string (numbers, fixed text). */
  ascii(text: string): void {
    this.room(text.length);
    for (let i = 0; i < text.length; i++) this.buf[this.length++] = text.charCodeAt(i);
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** Formats the per-workload families, caching each workload's label bytes. */
export class WorkloadMetricsText {
  private readonly labels = new WeakMap<Workload, Buffer>();
  private readonly families: Family[];
  private readonly names: Buffer[];

  constructor(
    prefix: string,
    private readonly workloads: WorkloadLookup,
    private readonly sliceMs = 4,
    overload: OverloadRule = DEFAULT_OVERLOAD_RULE,
  ) {
    this.families = workloadFamilies(prefix, overload);
    this.names = this.families.map((f) => Buffer.from(f.name));
  }

  /** `{namespace="…",pod="…",cgroup="…"} ` of a workload. */
  private labelBytes(w: Workload): Buffer {
    let bytes = this.labels.get(w);
    if (bytes === undefined) {
      bytes = Buffer.from(
        `{namespace="${escapeLabel(w.pod?.namespace ?? '')}",pod="${escapeLabel(w.pod?.name ?? '')}",cgroup="${escapeLabel(w.cgroupPath)}"} `);
      this.labels.set(w, bytes);
    }
    return bytes;
  }

  /** The families as Prometheus text (UTF-8 bytes). */
  async render(snap: SchedulerSnapshot): Promise<Buffer> {
    // Resolve each id's labels once, in slices, then write family by family.
    const rows: Array<[Buffer, CgroupSloStats, boolean]> = [];
    let sliceStart = performance.now();
    let n = 0;
    const maybeYield = async (): Promise<void> => {
      if (++n % 256 === 0 && performance.now() - sliceStart >= this.sliceMs) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
    };
    let labelBytes = 0;
    for (const [id, c] of snap.cgroups) {
      if (id === 0) {
        rows.push([UNCONFIGURED_LABELS, c, true]);
      } else {
        const w = this.workloads.byCgroupId(id);
        if (!w) continue; // no source knows it (any more): not exported
        const labels = this.labelBytes(w);
        labelBytes += labels.length;
        rows.push([labels, c, false]);
      }
      await maybeYield();
    }
    const out = new ByteSink(this.families.length * (labelBytes + rows.length * 60) + 2048);
    for (let i = 0; i < this.families.length; i++) {
      const f = this.families[i]!;
      const name = this.names[i]!;
      out.bytes(Buffer.from(`# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`));
      for (const [labels, c, unconfigured] of rows) {
        if (!unconfigured || f.withUnconfigured) {
          out.bytes(name);
          out.bytes(labels);
          out.ascii(formatValue(f.value(c, snap)));
          out.ascii('\n');
        }
        await maybeYield();
      }
    }
    return out.result();
  }
}
