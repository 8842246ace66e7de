// Parsers for the head-to-head's workload tools: cyclictest (the latency probe: its
// histogram file and its closing "T:" status line) and stress-ng --metrics-brief (the
// batch's bogo ops). Pure functions on text, so the host can re-parse what the guest
// saved and the tests can feed them fixed strings.

/** A cyclictest latency histogram: 1 us buckets, plus what fell beyond its range. */
export interface ProbeHistogram {
  /** [latency us (bucket lower bound), samples], ascending, non-empty buckets only. */
  buckets: Array<[number, number]>;
  /** Samples at or beyond the histogram range (cyclictest's "Histogram Overflows"). */
  overflows: number;
  /** The histogram's range in us (buckets 0..rangeUs-1). */
  rangeUs: number;
  minUs: number;
  avgUs: number;
  maxUs: number;
}

/** cyclictest's closing status line: `T: 0 ( 123) P: 0 I:5000 C: 2400 Min: ... Avg: ... Max: ...`. */
export interface ProbeSummary {
  priority: number;
  intervalUs: number;
  loops: number;
  minUs: number;
  avgUs: number;
  maxUs: number;
}

const num = (s: string | undefined): number => (s === undefined ? Number.NaN : Number(s));

/**
 * Parses a cyclictest histogram (`-h N --histfile=F`, one thread): lines `000123 000045`
 * (bucket, count; zero buckets may have been filtered out), then `# Min Latencies:`,
 * `# Avg Latencies:`, `# Max Latencies:`, `# Histogram Overflows:` comments. `rangeUs`
 * is the `-h` value the probe ran with.
 */
export function parseCyclictestHistogram(text: string, rangeUs: number): ProbeHistogram {
  const buckets: Array<[number, number]> = [];
  let overflows = 0;
  let minUs = Number.NaN;
  let avgUs = Number.NaN;
  let maxUs = Number.NaN;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*(Min Latencies|Avg Latencies|Max Latencies|Histogram Overflows):\s*(\d+)/.exec(line);
      if (!m) continue;
      const v = Number(m[2]);
      if (m[1] === 'Min Latencies') minUs = v;
      else if (m[1] === 'Avg Latencies') avgUs = v;
      else if (m[1] === 'Max Latencies') maxUs = v;
      else overflows = v;
      continue;
    }
    const m = /^(\d+)\s+(\d+)/.exec(line);
    if (!m) continue;
    const count = Number(m[2]);
    if (count > 0) buckets.push([Number(m[1]), count]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
  return { buckets, overflows, rangeUs, minUs, avgUs, maxUs };
}

/** The last `T:` status line cyclictest printed (with or without -q), or undefined. */
export function parseCyclictestSummary(text: string): ProbeSummary | undefined {
  // Without -q the line is redrawn in place (cursor escapes): take the last one.
  const lines = text.split(/[\n\r]/).filter((l) => /T:\s*\d+\s*\(/.test(l));
  const last = lines.pop();
  if (last === undefined) return undefined;
  const m = /P:\s*(\d+)\s+I:\s*(\d+)\s+C:\s*(\d+)\s+Min:\s*(\d+)\s+Act:\s*\d+\s+Avg:\s*(\d+)\s+Max:\s*(\d+)/.exec(last);
  if (!m) return undefined;
  return { priority: num(m[1]), intervalUs: num(m[2]), loops: num(m[3]), minUs: num(m[4]), avgUs: num(m[5]), maxUs: num(m[6]) };
}

/** stress-ng --metrics-brief for one stressor: bogo ops and the run's real time. */
export interface BatchMetrics {
  stressor: string;
  bogoOps: number;
  realTimeS: number;
}

/**
 * Finds the metrics line of `stressor` in stress-ng --metrics-brief output:
 * `stress-ng: metrc: [201] cpu   241   5.15   3.43   2.11   46.81   43.52`
 * (older versions say `info:` instead of `metrc:`).
 */
export function parseStressNgMetrics(text: string, stressor = 'cpu'): BatchMetrics | undefined {
  const re = new RegExp(`\\]\\s+${stressor}\\s+(\\d+)\\s+([\\d.]+)\\s+[\\d.]+\\s+[\\d.]+`);
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (m) return { stressor, bogoOps: Number(m[1]), realTimeS: Number(m[2]) };
  }
  return undefined;
}
