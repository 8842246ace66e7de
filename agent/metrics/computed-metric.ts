// A Prometheus metric whose samples are computed at scrape time, registered in a
// prom-client Registry. The scheduler's counters are monotonic kernel counters and its
// lag histogram arrives pre-bucketed, so instead of inc()/observe() each scrape reads the
// current values and reports them exactly. When there is nothing to read (the kernel
// stats could not be read) the metric reports no samples rather than zeros, so counters
// never appear to reset. prom-client's Registry only needs name, help, type and get()
// from a metric; this class provides those.
import type { Metric, Registry } from 'prom-client';

export type ComputedMetricType = 'counter' | 'gauge' | 'histogram';

export interface Sample {
  /** Full sample name when it differs from the metric's (histogram _bucket, _count). */
  metricName?: string;
  labels?: Record<string, string | number>;
  value: number;
}

export class ComputedMetric {
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: ComputedMetricType,
    private readonly read: () => Sample[],
  ) {
    if (type === 'counter' && !name.endsWith('_total')) throw new Error(`metric ${name}: counter names end in _total`);
  }

  /** The prom-client view of this metric (what Registry.metrics() formats). */
  async get(): Promise<{ name: string; help: string; type: ComputedMetricType; aggregator: string; values: Sample[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.read().map((s) => ({ labels: {}, ...s })) };
  }

  /** Adds this metric to `registry`. */
  registerIn(registry: Registry): this {
    // The Registry accepts any object with name, help, type and get(); its type only
    // lists prom-client's own classes.
    registry.registerMetric(this as unknown as Metric);
    return this;
  }
}
