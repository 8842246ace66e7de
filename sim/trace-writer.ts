// Writes a Workload as a scx-slo trace (TRACE_FORMAT.md): the header line, then each
// task's line followed by its events. Lines are produced lazily so big workloads stream
// to disk without building one giant string.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { TRACE_FORMAT, type TraceHeader, type TraceLine, type TraceTask } from './trace-format.js';
import { Op, type Workload } from './workload.js';

export function traceHeader(w: Workload): TraceHeader {
  const header: TraceHeader = {
    format: TRACE_FORMAT,
    // Version 1 readers can still read a trace without shared request queues.
    version: w.arrivalsNs === undefined && !w.opKind.includes(Op.TAKE) ? 1 : 2,
    name: w.name,
    source: w.source,
    cpus: w.cpus,
    duration_ns: w.durationNs,
    groups: w.groups.map((g) => ({
      name: g.name,
      cgroup_id: g.cgroupId,
      kind: g.kind,
      slo: g.slo === null ? null : { budget_ns: g.slo.budgetNs, importance: g.slo.importance },
      ...(g.description === undefined ? {} : { description: g.description }),
      ...(g.cpuWeight === undefined ? {} : { cpu_weight: g.cpuWeight }),
    })),
  };
  if (w.seed !== undefined) header.seed = w.seed;
  return header;
}

/** Every line of the trace as a JSON string, header first. */
export function* traceLines(w: Workload): Generator<string> {
  const lines: string[] = [];
  yield JSON.stringify(traceHeader(w));
  w.arrivalsNs?.forEach((arrivals, g) => {
    if (arrivals === null) return;
    const group = w.groups[g]!.name;
    for (const at of arrivals) lines.push(JSON.stringify({ type: 'arrival', group, at_ns: at } satisfies TraceLine));
  });
  yield* lines.splice(0);
  for (const t of w.tasks) {
    const task: TraceTask = { type: 'task', id: t.id, pid: t.pid, tgid: t.tgid, group: w.groups[t.group]!.name, comm: t.comm,
      start_ns: t.startNs, weight: t.weight };
    yield JSON.stringify(task);
    for (let i = t.opStart; i < t.opEnd; i++) {
      const arg = w.opArg[i]!;
      let line: TraceLine;
      switch (w.opKind[i]) {
        case Op.RUN:
          line = { type: 'run', task: t.id, ns: arg };
          break;
        case Op.SLEEP:
          line = { type: 'sleep', task: t.id, ns: arg };
          break;
        case Op.REQUEST:
          line = { type: 'request', task: t.id, at_ns: arg };
          break;
        case Op.TAKE:
          line = { type: 'take', task: t.id };
          break;
        case Op.DONE:
          line = { type: 'done', task: t.id };
          break;
        default:
          line = { type: 'exit', task: t.id };
          break;
      }
      yield JSON.stringify(line);
    }
  }
}

/** Writes the trace to `path`, respecting back-pressure. */
export async function writeTraceFile(w: Workload, path: string): Promise<void> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  let chunk = '';
  for (const line of traceLines(w)) {
    chunk += line + '\n';
    if (chunk.length >= 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
