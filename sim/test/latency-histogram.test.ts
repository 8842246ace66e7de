// The latency histogram: exact below 512 ns, within 0.4% above, nearest-rank
// percentiles, null (never NaN) when empty, and a monotone CDF.
import test from 'ava';
import { LatencyHistogram } from '../latency-histogram.js';
import { SeededRandom } from '../prng.js';

test('an empty histogram has null percentiles and an empty CDF', (t) => {
  const h = new LatencyHistogram();
  t.is(h.quantile(0.5), null);
  t.is(h.quantile(0.999), null);
  t.is(h.mean(), null);
  t.deepEqual(h.cdf(), []);
});

test('small values are exact, large ones within 0.4%', (t) => {
  const h = new LatencyHistogram();
  for (let v = 1; v <= 100; v++) h.record(v);
  t.is(h.quantile(0.5), 50);
  t.is(h.quantile(0.99), 99);
  t.is(h.quantile(1), 100);
  const rng = new SeededRandom(5);
  const values: number[] = [];
  const big = new LatencyHistogram();
  for (let i = 0; i < 20_000; i++) {
    const v = Math.round(rng.logNormal(2_000_000, 1.5));
    values.push(v);
    big.record(v);
  }
  values.sort((a, b) => a - b);
  for (const q of [0.5, 0.9, 0.99, 0.999]) {
    const exact = values[Math.ceil(q * values.length) - 1]!;
    const got = big.quantile(q)!;
    t.true(Math.abs(got - exact) / exact < 0.004, `q${q}: ${got} vs ${exact}`);
  }
  t.is(big.quantile(1), values[values.length - 1]);
});

test('values beyond 2^31 and huge ones are bucketed without error', (t) => {
  const h = new LatencyHistogram();
  h.record(3_000_000_000);
  h.record(3_600_000_000_000);
  h.record(1e20);
  h.record(-5);
  t.is(h.count, 4);
  t.is(h.quantile(0.25), 0);
  t.true(Number.isFinite(h.quantile(0.75)!));
  const cdf = h.cdf();
  for (let i = 1; i < cdf.length; i++) {
    t.true(cdf[i]![0] >= cdf[i - 1]![0]);
    t.true(cdf[i]![1] >= cdf[i - 1]![1]);
  }
  t.is(cdf[cdf.length - 1]![1], 1);
});

test('the PRNG is deterministic per seed', (t) => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const c = new SeededRandom(43);
  const xs = Array.from({ length: 5 }, () => a.nextU32());
  t.deepEqual(xs, Array.from({ length: 5 }, () => b.nextU32()));
  t.notDeepEqual(xs, Array.from({ length: 5 }, () => c.nextU32()));
  for (let i = 0; i < 1000; i++) {
    const u = a.next();
    t.true(u >= 0 && u < 1);
  }
});
