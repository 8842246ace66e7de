// Line parsers for kernel scheduler trace text: ftrace as printed by /sys/kernel/tracing/trace
// or `trace-cmd report` ("comm-pid [cpu] flags ts: event: payload"), and `perf sched
// script` ("comm pid [cpu] ts: sched:event: payload"). They keep sched_switch,
// sched_wakeup / sched_waking / sched_wakeup_new and sched_process_exit; other events
// and header lines are skipped. A line that looks like one of those events but cannot be
// parsed is skipped with a warning naming file, line and field; a file in which nothing
// parses is an error.
import { InputError, type Warnings } from '../diagnostics.js';
import { parseExitPayload, parseSecondsToNs, parseSwitchPayload, parseWakeupPayload, type SchedEvent } from './sched-event.js';

export type KernelTraceFormat = 'ftrace' | 'perf';

export interface ParsedKernelTrace {
  format: KernelTraceFormat;
  events: SchedEvent[];
  /** CPUs in the trace: from its header when it says, else the highest CPU seen + 1. */
  cpus: number;
  lines: number;
}

/** comm-pid [cpu] (optional tgid column, optional latency flags) ts: event: payload */
export const FTRACE_LINE = /^\s*(.+?)-(\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(\d+)\]\s+(?:\S{4,5}\s+)?(\d+\.\d+):\s+([a-z_0-9]+):\s*(.*)$/;
/** comm pid[/tid] [cpu] ts: [period] subsystem:event: payload */
export const PERF_LINE = /^\s*(.+?)\s+(\d+)(?:\/\d+)?\s+\[(\d+)\]\s+(\d+\.\d+):\s+(?:\d+\s+)?([a-z_0-9]+):([a-z_0-9]+):\s*(.*)$/;

const WANTED = new Set(['sched_switch', 'sched_wakeup', 'sched_waking', 'sched_wakeup_new', 'sched_process_exit']);
/** A line naming one of the wanted events ("sched_switch:", "sched:sched_switch:"), whatever its shape. */
const MENTIONS_WANTED = /(?:^|[\s:])(sched_switch|sched_wakeup_new|sched_wakeup|sched_waking|sched_process_exit):/;

interface LineParts {
  cpu: number;
  ts: string;
  event: string;
  payload: string;
}

function ftraceParts(line: string): LineParts | null {
  const m = FTRACE_LINE.exec(line);
  return m ? { cpu: Number(m[3]), ts: m[4]!, event: m[5]!, payload: m[6]! } : null;
}

function perfParts(line: string): LineParts | null {
  const m = PERF_LINE.exec(line);
  if (!m || m[5] !== 'sched') return null;
  return { cpu: Number(m[3]), ts: m[4]!, event: m[6]!, payload: m[7]! };
}

export async function parseKernelTraceText(
  lines: Iterable<string> | AsyncIterable<string>,
  format: KernelTraceFormat,
  file: string,
  warnings: Warnings,
): Promise<ParsedKernelTrace> {
  const split = format === 'ftrace' ? ftraceParts : perfParts;
  const events: SchedEvent[] = [];
  let lineNo = 0;
  let headerCpus = 0;
  let maxCpu = -1;
  let bad = 0;
  let wantedSeen = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = raw.trimEnd();
    if (line === '' ) continue;
    if (line.startsWith('#') || line.startsWith('cpus=')) {
      const m = /#P:(\d+)/.exec(line) ?? /^cpus=(\d+)/.exec(line);
      if (m) headerCpus = Number(m[1]);
      continue;
    }
    const parts = split(line);
    if (parts === null) {
      // A line of a wanted event the line pattern cannot read (a garbled timestamp, CPU
      // or task column) is reported, not dropped silently; other text (CPU buffer
      // notes, version lines...) is skipped.
      const mention = MENTIONS_WANTED.exec(line);
      if (mention) {
        wantedSeen++;
        bad++;
        warnings.add(file, lineNo, mention[1], `not a ${format === 'ftrace' ? 'ftrace / trace-cmd report' : 'perf sched script'} event line (task, [cpu] and ` +
          `seconds timestamp expected): ${JSON.stringify(line.trim().slice(0, 100))}; line skipped`);
      }
      continue;
    }
    if (!WANTED.has(parts.event)) continue;
    wantedSeen++;
    const ts = parseSecondsToNs(parts.ts);
    if (ts === null) {
      bad++;
      warnings.add(file, lineNo, 'timestamp', `cannot read ${JSON.stringify(parts.ts)} as seconds; line skipped`);
      continue;
    }
    if (parts.cpu > maxCpu) maxCpu = parts.cpu;
    const cpu = parts.cpu;
    if (parts.event === 'sched_switch') {
      const f = parseSwitchPayload(parts.payload);
      if (f === null) {
        bad++;
        warnings.add(file, lineNo, 'sched_switch', `cannot parse the payload ${JSON.stringify(parts.payload.slice(0, 80))}; line skipped`);
        continue;
      }
      events.push({ kind: 'switch', ts, cpu, line: lineNo, ...f });
    } else if (parts.event === 'sched_process_exit') {
      const f = parseExitPayload(parts.payload);
      if (f === null) {
        bad++;
        warnings.add(file, lineNo, 'sched_process_exit', `cannot parse the payload ${JSON.stringify(parts.payload.slice(0, 80))}; line skipped`);
        continue;
      }
      events.push({ kind: 'exit', ts, cpu, line: lineNo, ...f });
    } else {
      const f = parseWakeupPayload(parts.payload);
      if (f === null) {
        bad++;
        warnings.add(file, lineNo, parts.event, `cannot parse the payload ${JSON.stringify(parts.payload.slice(0, 80))}; line skipped`);
        continue;
      }
      events.push({ kind: 'wakeup', ts, cpu, line: lineNo, ...f, isNew: parts.event === 'sched_wakeup_new' });
    }
  }
  if (!events.some((e) => e.kind === 'switch')) {
    throw new InputError(file, Math.max(1, lineNo), undefined,
      `no sched_switch events found in this ${format === 'ftrace' ? 'ftrace / trace-cmd report' : 'perf sched script'} text` +
        (wantedSeen > 0 ? ` (${bad} of ${wantedSeen} scheduler event lines could not be parsed)` : ''));
  }
  if (bad > wantedSeen / 2) {
    throw new InputError(file, lineNo, undefined, `${bad} of ${wantedSeen} scheduler event lines could not be parsed: is --format right?`);
  }
  // Per-CPU buffers are merged in time order by the tools; sort anyway (stable) to be safe.
  events.sort((a, b) => a.ts - b.ts);
  return { format, events, cpus: Math.max(headerCpus, maxCpu + 1, 1), lines: lineNo };
}
