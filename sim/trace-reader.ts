// Reads a scx-slo trace (TRACE_FORMAT.md, JSON Lines) into a Workload, validating every
// line: structural problems (bad JSON, wrong types, unknown tasks or groups) are fatal
// InputErrors naming file, line and field; out-of-range values (negative times, budgets
// beyond MAX_BUDGET_NS, importance outside 1..100, weights outside 1..10000) are clamped
// with a warning so the replay still runs and never sees NaN.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { MAX_BUDGET_NS } from '../policy/api.js';
import { InputError, showValue, type Warnings } from './diagnostics.js';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, TRACE_FORMAT_VERSIONS, type GroupKind } from './trace-format.js';
import { CPU_WEIGHT_MAX, CPU_WEIGHT_MIN, Op, WorkloadBuilder, type Workload } from './workload.js';

/** Largest time accepted in a trace (2^53 ns, about 104 days); beyond it is clamped. */
const MAX_TIME_NS = Number.MAX_SAFE_INTEGER;
const MAX_CPUS = 4096;

type Json = Record<string, unknown>;

/** Per-line field checking with the file and line baked in. */
class LineReader {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly obj: Json,
    private readonly warnings: Warnings,
    private readonly prefix = '',
  ) {}

  fail(field: string | undefined, problem: string): never {
    throw new InputError(this.file, this.line, field === undefined ? undefined : this.prefix + field, problem);
  }

  warn(field: string, problem: string): void {
    this.warnings.add(this.file, this.line, this.prefix + field, problem);
  }

  has(field: string): boolean {
    return this.obj[field] !== undefined;
  }

  string(field: string, fallback?: string): string {
    const v = this.obj[field];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string' || v === '') this.fail(field, `expected a non-empty string, got ${showValue(v)}`);
    return v;
  }

  number(field: string): number {
    const v = this.obj[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, `expected a number, got ${showValue(v)}`);
    return v;
  }

  /** A non-negative integer id (no clamping: ids must be right). */
  id(field: string): number {
    const v = this.number(field);
    if (!Number.isInteger(v) || v < 0 || v > Number.MAX_SAFE_INTEGER) this.fail(field, `expected a non-negative integer, got ${showValue(v)}`);
    return v;
  }

  /** A time or duration in ns: negative -> 0 and huge -> 2^53 with a warning; rounded to integer ns. */
  time(field: string): number {
    const v = this.number(field);
    if (v < 0) {
      this.warn(field, `negative time ${v} ns clamped to 0`);
      return 0;
    }
    if (v > MAX_TIME_NS) {
      this.warn(field, `time ${v} ns beyond 2^53 ns clamped`);
      return MAX_TIME_NS;
    }
    return Math.round(v);
  }

  /** A number clamped into [lo, hi] (integer), with a warning when it was outside. */
  clampedInt(field: string, lo: number, hi: number, what: string): number {
    const v = this.number(field);
    const i = Math.round(v);
    if (i < lo || i > hi || i !== v) {
      const c = Math.min(hi, Math.max(lo, i));
      this.warn(field, `${what} ${v} outside ${lo}..${hi}${i !== v ? ' or not an integer' : ''}, clamped to ${c}`);
      return c;
    }
    return i;
  }

  nested(field: string): LineReader {
    const v = this.obj[field];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, `expected an object, got ${showValue(v)}`);
    return new LineReader(this.file, this.line, v as Json, this.warnings, `${this.prefix}${field}.`);
  }
}

function parseLine(text: string, file: string, line: number): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(file, line, undefined, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(file, line, undefined, `expected a JSON object, got ${showValue(value)}`);
  }
  return value as Json;
}

function readHeader(r: LineReader, warnings: Warnings): WorkloadBuilder {
  if (r.obj['format'] !== TRACE_FORMAT) {
    r.fail('format', `expected ${JSON.stringify(TRACE_FORMAT)} (is this an scx-slo trace? kernel traces need \`scx-slo sim import\` or --format), got ` +
      `${showValue(r.obj['format'])}`);
  }
  const version = r.obj['version'];
  if (!(TRACE_FORMAT_VERSIONS as readonly unknown[]).includes(version)) {
    r.fail('version', `this scx-slo reads trace format versions ${TRACE_FORMAT_VERSIONS.join(' and ')}, got ${showValue(version)}`);
  }
  const name = r.string('name', 'trace');
  const source = r.string('source', 'trace');
  const cpus = r.clampedInt('cpus', 1, MAX_CPUS, 'CPU count');
  const durationNs = r.time('duration_ns');
  if (durationNs <= 0) r.fail('duration_ns', 'must be positive');
  let seed: number | undefined;
  if (r.has('seed')) seed = r.number('seed');
  const builder = new WorkloadBuilder(name, source, cpus, durationNs, seed);

  const groups = r.obj['groups'];
  if (!Array.isArray(groups) || groups.length === 0) r.fail('groups', `expected a non-empty array, got ${showValue(groups)}`);
  groups.forEach((raw, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) r.fail(`groups[${i}]`, `expected an object, got ${showValue(raw)}`);
    const g: LineReader = new LineReader(r.file, r.line, raw as Json, warnings, `groups[${i}].`);
    const gname = g.string('name');
    if (builder.groupByName(gname) !== undefined) g.fail('name', `group ${JSON.stringify(gname)} defined twice`);
    const cgroupId = g.id('cgroup_id');
    if (cgroupId === 0) g.fail('cgroup_id', 'must be positive (0 means "no SLO cgroup" to the policy)');
    if (builder.groups.some((other) => other.cgroupId === cgroupId)) g.fail('cgroup_id', `cgroup id ${cgroupId} used by two groups`);
    const kind = g.obj['kind'];
    if (kind !== 'service' && kind !== 'batch') g.fail('kind', `expected "service" or "batch", got ${showValue(kind)}`);
    let slo: { budgetNs: number; importance: number } | null = null;
    if (g.obj['slo'] !== null && g.obj['slo'] !== undefined) {
      const s: LineReader = g.nested('slo');
      const budget = s.number('budget_ns');
      let budgetNs = Math.round(budget);
      if (budget < 1) {
        s.warn('budget_ns', `budget ${budget} ns below 1 ns, clamped to 1`);
        budgetNs = 1;
      } else if (budget > MAX_BUDGET_NS) {
        s.warn('budget_ns', `budget ${budget} ns beyond the 1 hour maximum (${MAX_BUDGET_NS}), clamped`);
        budgetNs = MAX_BUDGET_NS;
      }
      const importance = s.clampedInt('importance', 1, 100, 'importance');
      slo = { budgetNs, importance };
    }
    const group: Parameters<WorkloadBuilder['addGroup']>[0] = { name: gname, cgroupId, kind: kind as GroupKind, slo };
    if (typeof g.obj['description'] === 'string') group.description = g.obj['description'];
    if (g.has('cpu_weight')) group.cpuWeight = g.clampedInt('cpu_weight', CPU_WEIGHT_MIN, CPU_WEIGHT_MAX, 'cpu.weight');
    builder.addGroup(group);
  });
  return builder;
}

/** Per-task reading state: index in the builder and whether it has exited. */
interface TaskCursor {
  index: number;
  exited: boolean;
}

/** Parses trace lines (without newlines) into a Workload. `file` names the source in messages. */
export async function parseTrace(lines: Iterable<string> | AsyncIterable<string>, file: string, warnings: Warnings): Promise<Workload> {
  let builder: WorkloadBuilder | undefined;
  let version = TRACE_FORMAT_VERSION as number;
  const tasks = new Map<number, TaskCursor>();
  let lineNo = 0;
  for await (const rawLine of lines) {
    lineNo++;
    const text = rawLine.trim();
    if (text === '') continue;
    const obj = parseLine(text, file, lineNo);
    const r: LineReader = new LineReader(file, lineNo, obj, warnings);
    if (builder === undefined) {
      builder = readHeader(r, warnings);
      version = obj['version'] as number;
      continue;
    }
    const type = obj['type'];
    if ((type === 'arrival' || type === 'take') && version < 2) {
      r.fail('type', `${JSON.stringify(type)} needs trace format version 2 (shared request queues), the header says ${version}`);
    }
    if (type === 'task') {
      const id = r.id('id');
      if (tasks.has(id)) r.fail('id', `task ${id} declared twice`);
      const groupName = r.string('group');
      const group = builder.groupByName(groupName);
      if (group === undefined) r.fail('group', `no group named ${JSON.stringify(groupName)} in the header`);
      const spec: Parameters<WorkloadBuilder['addTask']>[0] = { id, group, startNs: r.time('start_ns') };
      if (r.has('pid')) spec.pid = r.id('pid');
      if (r.has('tgid')) spec.tgid = r.id('tgid');
      if (r.has('comm')) spec.comm = r.string('comm');
      if (r.has('weight')) spec.weight = r.clampedInt('weight', 1, 10000, 'weight');
      tasks.set(id, { index: builder.addTask(spec), exited: false });
      continue;
    }
    if (type === 'arrival') {
      const groupName = r.string('group');
      const group = builder.groupByName(groupName);
      if (group === undefined) r.fail('group', `no group named ${JSON.stringify(groupName)} in the header`);
      builder.arrival(group, r.time('at_ns'));
      continue;
    }
    if (type !== 'run' && type !== 'sleep' && type !== 'request' && type !== 'take' && type !== 'done' && type !== 'exit') {
      r.fail('type', `expected one of task, arrival, run, sleep, request, take, done, exit; got ${showValue(type)}`);
    }
    const taskId = r.id('task');
    const cursor = tasks.get(taskId);
    if (cursor === undefined) r.fail('task', `task ${taskId} has no "task" line before its events`);
    if (cursor.exited) {
      r.warn('type', `event after task ${taskId} exited, ignored`);
      continue;
    }
    switch (type) {
      case 'run':
        builder.op(cursor.index, Op.RUN, r.time('ns'));
        break;
      case 'sleep':
        builder.op(cursor.index, Op.SLEEP, r.time('ns'));
        break;
      case 'request':
        builder.op(cursor.index, Op.REQUEST, r.time('at_ns'));
        break;
      case 'take':
        builder.op(cursor.index, Op.TAKE);
        break;
      case 'done':
        builder.op(cursor.index, Op.DONE);
        break;
      case 'exit':
        builder.op(cursor.index, Op.EXIT);
        cursor.exited = true;
        break;
    }
  }
  if (builder === undefined) throw new InputError(file, Math.max(1, lineNo), undefined, 'empty trace: expected a header line');
  for (const w of builder.warnings) warnings.note(`${file}: ${w}`);
  return builder.build();
}

/** Streams a trace file line by line into a Workload. */
export async function readTraceFile(path: string, warnings: Warnings): Promise<Workload> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    return await parseTrace(lines, path, warnings);
  } finally {
    lines.close();
    stream.destroy();
  }
}
