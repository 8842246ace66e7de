// A strict Prometheus text-format (0.0.4) parser for the tests: it checks what the agent's
// /metrics serves as a scraper would read it.
/** One sample of a parsed exposition. */
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  type: string;
  help: string;
  samples: ParsedSample[];
}

/**
 * A strict parser of the Prometheus text format (0.0.4): HELP and TYPE lines, samples
 * with escaped label values; every sample must belong to the family declared before it.
 */
export function parsePrometheusText(text: string): Map<string, ParsedFamily> {
  const families = new Map<string, ParsedFamily>();
  let current: ParsedFamily | undefined;
  const belongs = (f: ParsedFamily, sample: string): boolean => {
    if (sample === f.name) return f.type !== 'histogram';
    if (f.type === 'histogram') return [`${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`].includes(sample);
    if (f.type === 'summary') return [`${f.name}_sum`, `${f.name}_count`].includes(sample);
    return false;
  };
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      let f = families.get(name);
      if (!f) {
        f = { name, type: 'untyped', help: '', samples: [] };
        families.set(name, f);
      }
      if (kind === 'HELP') f.help = rest;
      else {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`line ${i + 1}: bad type ${rest}`);
        f.type = rest;
      }
      current = f;
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$/.exec(line);
    if (!m) throw new Error(`line ${i + 1}: not a sample: ${line}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
      let lm: RegExpExecArray | null;
      let consumed = 0;
      while ((lm = re.exec(m[3])) !== null) {
        if (lm[1]! in labels) throw new Error(`line ${i + 1}: duplicate label ${lm[1]}`);
        labels[lm[1]!] = lm[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        consumed = re.lastIndex;
        if (lm[3] === '') break;
      }
      if (consumed !== m[3].length) throw new Error(`line ${i + 1}: bad labels ${m[3]}`);
    }
    const value = parseSampleValue(m[4]!);
    if (value === undefined) throw new Error(`line ${i + 1}: bad value ${m[4]}`);
    if (!current || !belongs(current, m[1]!)) throw new Error(`line ${i + 1}: sample ${m[1]} outside its family`);
    current.samples.push({ name: m[1]!, labels, value });
  }
  return families;
}

/**
 * A sample value as Prometheus reads it (Go's strconv.ParseFloat): NaN and Inf in any
 * letter case, with an optional sign on Inf. prom-client writes NaN as "Nan" (e.g.
 * nodejs_eventloop_lag_mean_seconds before the first event-loop sample).
 */
function parseSampleValue(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === 'nan') return NaN;
  if (/^[+-]?inf(inity)?$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  const value = Number(text);
  return Number.isNaN(value) || text.trim() === '' ? undefined : value;
}

