// The kernel's userspace-lag histogram as a Prometheus histogram. The BPF side counts, per
// CPU, how long tasks waited for the agent's decision in log2 buckets of microseconds:
// bucket 0 is < 1 us, bucket i (1..22) is [2^(i-1), 2^i) us, and the last bucket (23) is
// taken as everything from 2^22 us (~4.2 s) up. Exposed cumulatively with `le` bounds in
// seconds: le = 2^i us for buckets 0..22, then +Inf (which includes the last bucket).
// The kernel keeps no sum of lags, so there is no _sum sample (optional in OpenMetrics;
// histogram_quantile() needs only the buckets).
import { SLO_LAG_BUCKETS } from '../kernel/kernel-abi.js';
import type { Sample } from './computed-metric.js';

/** Upper bounds in seconds of buckets 0 .. SLO_LAG_BUCKETS-2. */
export const LAG_BUCKET_BOUNDS_SECONDS: readonly number[] = Array.from({ length: SLO_LAG_BUCKETS - 1 }, (_, i) => 2 ** i / 1e6);

/** Prometheus histogram samples (`<name>_bucket`, `<name>_count`) from kernel bucket counts. */
export function lagHistogramSamples(name: string, buckets: readonly number[]): Sample[] {
  const samples: Sample[] = [];
  let cumulative = 0;
  for (let i = 0; i < LAG_BUCKET_BOUNDS_SECONDS.length; i++) {
    cumulative += buckets[i] ?? 0;
    samples.push({ metricName: `${name}_bucket`, labels: { le: String(LAG_BUCKET_BOUNDS_SECONDS[i]) }, value: cumulative });
  }
  for (let i = LAG_BUCKET_BOUNDS_SECONDS.length; i < buckets.length; i++) cumulative += buckets[i] ?? 0;
  samples.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: cumulative });
  samples.push({ metricName: `${name}_count`, value: cumulative });
  return samples;
}
