// Opens any workload file the simulator accepts: an scx-slo trace (JSON Lines), ftrace
// text (/sys/kernel/tracing/trace or `trace-cmd report`) or `perf sched script` output.
// The format is given (--format) or detected from the first lines; kernel traces are
// converted on the fly (sched-to-workload.ts).
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { InputError, type Warnings } from '../diagnostics.js';
import type { LatencyHistogram } from '../latency-histogram.js';
import { parseTrace } from '../trace-reader.js';
import { TRACE_FORMAT } from '../trace-format.js';
import type { Workload } from '../workload.js';
import { FTRACE_LINE, parseKernelTraceText, PERF_LINE } from './kernel-trace-text.js';
import { schedEventsToWorkload, type ImportOptions } from './sched-to-workload.js';

export const TRACE_FILE_FORMATS = ['scxslo', 'ftrace', 'perf'] as const;
export type TraceFileFormat = (typeof TRACE_FILE_FORMATS)[number];

export interface LoadedTrace {
  workload: Workload;
  format: TraceFileFormat;
  /** For kernel traces: the wake-to-run latency the recorded kernel gave each group. */
  recordedWakeLatency: Map<string, LatencyHistogram> | null;
}

/** Guesses the format from the first lines of a file, or null. */
export function detectFormat(headLines: readonly string[]): TraceFileFormat | null {
  for (const raw of headLines) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('{')) {
      try {
        const v = JSON.parse(line) as Record<string, unknown>;
        if (v['format'] === TRACE_FORMAT) return 'scxslo';
      } catch {
        // not JSON: keep looking
      }
      return null;
    }
    break;
  }
  for (const line of headLines) {
    const perf = PERF_LINE.exec(line);
    if (perf && perf[5] === 'sched') return 'perf';
    if (FTRACE_LINE.test(line) || line.startsWith('# tracer:') || /^cpus=\d+/.test(line)) return 'ftrace';
  }
  return null;
}

async function headOf(path: string, bytes = 65536): Promise<string[]> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    const lines = buf.subarray(0, bytesRead).toString('utf8').split('\n');
    if (bytesRead === bytes) lines.pop(); // possibly cut
    return lines.slice(0, 400);
  } finally {
    await fh.close();
  }
}

function linesOf(path: string): AsyncIterable<string> & { close(): void } {
  return createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
}

export type KernelImportOptions = Omit<ImportOptions, 'name' | 'source' | 'cpus'> & { name?: string; cpus?: number };

/** Loads `path` as a Workload. `format` undefined = detect. */
export async function loadTraceFile(path: string, format: TraceFileFormat | undefined, opts: KernelImportOptions, warnings: Warnings): Promise<LoadedTrace> {
  const fmt = format ?? detectFormat(await headOf(path));
  if (fmt === null) {
    throw new InputError(path, 1, undefined, 'cannot tell the format (not an scx-slo trace, ftrace text or perf sched script output): give ' +
      '--format scxslo|ftrace|perf');
  }
  const lines = linesOf(path);
  try {
    if (fmt === 'scxslo') return { workload: await parseTrace(lines, path, warnings), format: fmt, recordedWakeLatency: null };
    const parsed = await parseKernelTraceText(lines, fmt, path, warnings);
    const result = schedEventsToWorkload(parsed.events, {
      ...opts,
      name: opts.name ?? basename(path).replace(/\.[^.]*$/, ''),
      source: fmt,
      cpus: opts.cpus ?? parsed.cpus,
    });
    for (const w of result.warnings) warnings.note(`${path}: ${w}`);
    return { workload: result.workload, format: fmt, recordedWakeLatency: result.recordedWakeLatency };
  } finally {
    lines.close();
  }
}
