// Human-readable durations for tables and plot axes: 850ns, 12.3us, 1.24ms, 3.50s.

export function formatNs(ns: number | null): string {
  if (ns === null || !Number.isFinite(ns)) return '-';
  const a = Math.abs(ns);
  if (a < 1_000) return `${Math.round(ns)}ns`;
  if (a < 1_000_000) return `${trim(ns / 1_000)}us`;
  if (a < 1_000_000_000) return `${trim(ns / 1_000_000)}ms`;
  return `${trim(ns / 1_000_000_000)}s`;
}

/** Three significant digits, no trailing zeros beyond them. */
function trim(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** Parses "250us", "2ms", "1.5s", "100ns" or a bare number of `defaultUnit`s into ns. */
export function parseDuration(text: string, defaultUnit: 'ns' | 'us' | 'ms' | 's'): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(ns|us|µs|ms|s)?\s*$/i.exec(text);
  if (!m) throw new RangeError(`expected a duration like 250us, 2ms or 1.5s, got ${JSON.stringify(text)}`);
  const unit = (m[2] ?? defaultUnit).toLowerCase();
  const scale = unit === 'ns' ? 1 : unit === 'us' || unit === 'µs' ? 1e3 : unit === 'ms' ? 1e6 : 1e9;
  return Math.round(Number(m[1]) * scale);
}

export function formatPercent(fraction: number | null): string {
  if (fraction === null || !Number.isFinite(fraction)) return '-';
  const p = fraction * 100;
  return `${p >= 10 ? p.toFixed(1) : p.toFixed(2)}%`;
}
