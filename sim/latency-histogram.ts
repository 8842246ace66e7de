// A log-linear latency histogram (HDR style): values below 512 ns are kept exactly, larger
// ones in buckets 1/256 of a power of two wide, so every percentile is within 0.4% of the
// true value, memory is fixed (about 10k counters) and recording is a few operations.
// Percentiles use the nearest-rank method and are clamped to the exact min and max;
// an empty histogram has no percentiles (null), never NaN.

const SUB_BITS = 8;
const SUB = 1 << SUB_BITS; // 256 sub-buckets per power of two
const EXACT = 2 * SUB; // values below this have a bucket of their own
/** Highest power of two tracked: 2^52 ns (52 days); larger values land in the top bucket. */
const MAX_EXP = 52;
const BUCKETS = SUB * (MAX_EXP - SUB_BITS + 2);

const POW2: Float64Array = (() => {
  const p = new Float64Array(64);
  for (let i = 0; i < 64; i++) p[i] = 2 ** i;
  return p;
})();

/** Bucket index of a non-negative value. */
function bucketOf(v: number): number {
  if (v < EXACT) return v < 0 ? 0 : Math.floor(v);
  if (v < 2147483648) {
    const e31 = 31 - Math.clz32(v);
    return SUB * (e31 - SUB_BITS) + ((v >>> (e31 - SUB_BITS)) | 0);
  }
  let e = Math.floor(Math.log2(v));
  if (POW2[e]! > v) e--;
  else if (POW2[e + 1]! <= v) e++;
  if (e > MAX_EXP) return BUCKETS - 1;
  const shift = e - SUB_BITS; // >= 1
  return SUB * shift + Math.floor(v / POW2[shift]!);
}

/** Smallest value in bucket `i`. */
function bucketLow(i: number): number {
  if (i < EXACT) return i;
  const shift = Math.floor(i / SUB) - 1;
  return (i - SUB * shift) * POW2[shift]!;
}

/** Width of bucket `i`. */
function bucketWidth(i: number): number {
  if (i < EXACT) return 1;
  return POW2[Math.floor(i / SUB) - 1]!;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  record(valueNs: number): void {
    const v = valueNs > 0 ? valueNs : 0;
    this.counts[bucketOf(v)]!++;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** Adds every sample of `other`. */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** The value at quantile q (0 < q <= 1) by nearest rank, or null when empty. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const mid = i < EXACT ? i : bucketLow(i) + bucketWidth(i) / 2;
        return Math.round(Math.min(this.max, Math.max(this.min, mid)));
      }
    }
    return Math.round(this.max);
  }

  mean(): number | null {
    return this.count === 0 ? null : this.sum / this.count;
  }

  /**
   * The empirical CDF as (value, fraction <= value) points at bucket upper edges, thinned
   * to about `maxPoints` points (always keeping the first and last).
   */
  cdf(maxPoints = 400): Array<[number, number]> {
    const points: Array<[number, number]> = [];
    if (this.count === 0) return points;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const c = this.counts[i]!;
      if (c === 0) continue;
      seen += c;
      const upper = Math.min(this.max, i < EXACT ? i : bucketLow(i) + bucketWidth(i) - 1);
      points.push([Math.max(upper, this.min), seen / this.count]);
    }
    if (points.length <= maxPoints) return points;
    const step = points.length / maxPoints;
    const thinned: Array<[number, number]> = [];
    for (let k = 0; k < maxPoints - 1; k++) thinned.push(points[Math.floor(k * step)]!);
    thinned.push(points[points.length - 1]!);
    return thinned;
  }
}
