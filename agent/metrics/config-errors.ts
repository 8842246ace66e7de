// Counts of SLO configuration errors, by where the bad value came from and which field it
// was in. The SLO sources record each distinct problem once (not on every resync);
// /metrics exposes the counts as scx_slo_config_errors_total{source,field}.

/** Where a configuration value came from. */
export type ConfigSource = 'annotation' | 'slopolicy' | 'config_file';

export interface ConfigErrorCount {
  source: ConfigSource;
  field: string;
  count: number;
}

export class ConfigErrorCounter {
  private readonly counts = new Map<string, ConfigErrorCount>();

  record(source: ConfigSource, field: string): void {
    const key = `${source}\u0000${field}`;
    const entry = this.counts.get(key);
    if (entry) entry.count += 1;
    else this.counts.set(key, { source, field, count: 1 });
  }

  /** Every (source, field) seen so far with its count. */
  list(): ConfigErrorCount[] {
    return [...this.counts.values()].map((c) => ({ ...c }));
  }

  total(): number {
    let sum = 0;
    for (const c of this.counts.values()) sum += c.count;
    return sum;
  }
}
