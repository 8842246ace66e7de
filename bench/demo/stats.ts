// Statistics for the head-to-head: percentiles of a probe histogram (accounting for
// samples beyond its range), deadline-miss rate, medians and spread over repetitions.
import type { ProbeHistogram } from './probe-output.js';

export interface Percentile {
  /** Latency in ns; when `beyondRange`, the probe's max (an upper bound). */
  ns: number;
  /** The rank fell among samples beyond the histogram range. */
  beyondRange: boolean;
}

export function histogramTotal(h: ProbeHistogram): number {
  return h.buckets.reduce((s, [, c]) => s + c, 0) + h.overflows;
}

/**
 * Nearest-rank percentile `q` (0..1) of a 1 us histogram: the bucket's lower bound. A
 * rank among the overflows reports the probe's max latency, flagged `beyondRange`.
 */
export function percentile(h: ProbeHistogram, q: number): Percentile | undefined {
  const total = histogramTotal(h);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [us, count] of h.buckets) {
    seen += count;
    if (seen >= rank) return { ns: us * 1000, beyondRange: false };
  }
  return { ns: (Number.isFinite(h.maxUs) ? h.maxUs : h.rangeUs) * 1000, beyondRange: true };
}

/** Share of samples whose latency exceeds `limitNs` (overflows count as beyond). */
export function fractionAbove(h: ProbeHistogram, limitNs: number): number | undefined {
  const total = histogramTotal(h);
  if (total === 0) return undefined;
  let above = h.overflows;
  // Bucket b holds latencies in [b, b+1) us: all of them exceed the limit when b*1000 >= limit
  // (the one bucket straddling the limit is counted when its lower bound is past it).
  for (const [us, count] of h.buckets) if (us * 1000 >= limitNs) above += count;
  return above / total;
}

/** Points of the empirical CDF: [latency ns, fraction <= it], one per non-empty bucket. */
export function cdfPoints(h: ProbeHistogram): Array<[number, number]> {
  const total = histogramTotal(h);
  const out: Array<[number, number]> = [];
  let seen = 0;
  for (const [us, count] of h.buckets) {
    seen += count;
    out.push([(us + 1) * 1000, seen / total]);
  }
  if (h.overflows > 0) out.push([(Number.isFinite(h.maxUs) ? h.maxUs : h.rangeUs) * 1000, 1]);
  return out;
}

/** Sums histograms (same range) into one. */
export function mergeHistograms(hs: readonly ProbeHistogram[]): ProbeHistogram {
  const counts = new Map<number, number>();
  let overflows = 0;
  let minUs = Number.POSITIVE_INFINITY;
  let maxUs = Number.NEGATIVE_INFINITY;
  let weighted = 0;
  let n = 0;
  for (const h of hs) {
    for (const [us, c] of h.buckets) counts.set(us, (counts.get(us) ?? 0) + c);
    overflows += h.overflows;
    if (Number.isFinite(h.minUs)) minUs = Math.min(minUs, h.minUs);
    if (Number.isFinite(h.maxUs)) maxUs = Math.max(maxUs, h.maxUs);
    const total = histogramTotal(h);
    if (Number.isFinite(h.avgUs)) {
      weighted += h.avgUs * total;
      n += total;
    }
  }
  return {
    buckets: [...counts.entries()].sort((a, b) => a[0] - b[0]),
    overflows,
    rangeUs: Math.max(0, ...hs.map((h) => h.rangeUs)),
    minUs: Number.isFinite(minUs) ? minUs : Number.NaN,
    avgUs: n > 0 ? weighted / n : Number.NaN,
    maxUs: Number.isFinite(maxUs) ? maxUs : Number.NaN,
  };
}

export function median(xs: readonly number[]): number | null {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** min and max of the finite values, or null. */
export function spread(xs: readonly number[]): { min: number; max: number } | null {
  const s = xs.filter((x) => Number.isFinite(x));
  if (s.length === 0) return null;
  return { min: Math.min(...s), max: Math.max(...s) };
}

/** a / b, or null when either is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}
