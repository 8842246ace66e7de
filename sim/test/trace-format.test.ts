// The scx-slo trace format: a written workload reads back identically, and malformed or
// out-of-range input is rejected naming file, line and field, or clamped with a warning
// so that the replay still runs without NaN.
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_BUDGET_NS } from '../../policy/api.js';
import { BUILTIN_POLICIES } from '../../policy/registry.js';
import { InputError, Warnings } from '../diagnostics.js';
import { simulate } from '../engine.js';
import { policyJson } from '../result-json.js';
import { SCENARIOS } from '../scenarios/index.js';
import { parseTrace, readTraceFile } from '../trace-reader.js';
import { traceLines, writeTraceFile } from '../trace-writer.js';
import { model, tempDir } from './helpers.js';

const HEADER = { format: 'scx-slo-trace', version: 1, name: 't', source: 'test', cpus: 2, duration_ns: 10_000_000,
  groups: [{ name: 'web', cgroup_id: 5, kind: 'service', slo: { budget_ns: 2_000_000, importance: 90 } }] };
const TASK = { type: 'task', id: 1, group: 'web', start_ns: 0 };

function lines(...objs: unknown[]): string[] {
  return objs.map((o) => (typeof o === 'string' ? o : JSON.stringify(o)));
}

async function rejects(t: import('ava').ExecutionContext, input: string[], match: RegExp): Promise<void> {
  const err = await t.throwsAsync(parseTrace(input, 'bad.jsonl', new Warnings()), { instanceOf: InputError });
  t.regex(err!.message, match);
}

test('a generated workload survives a write / read round trip', async (t) => {
  const w = SCENARIOS.get('mixed')!.generate({ cpus: 4, durationNs: 200_000_000, seed: 9 });
  const dir = await tempDir(t);
  const file = join(dir, 'mixed.jsonl');
  await writeTraceFile(w, file);
  const warnings = new Warnings();
  const back = await readTraceFile(file, warnings);
  t.is(warnings.count, 0);
  t.deepEqual([...traceLines(back)], [...traceLines(w)]);
  t.deepEqual(back.groups, w.groups);
  t.is(back.seed, 9);
});

test('a workload with a shared request queue and cgroup cpu.weights survives a write / read round trip, and replays the same', async (t) => {
  const w = SCENARIOS.get('service')!.generate({ cpus: 2, durationNs: 300_000_000, seed: 4 });
  const dir = await tempDir(t);
  const file = join(dir, 'service.jsonl');
  await writeTraceFile(w, file);
  const warnings = new Warnings();
  const back = await readTraceFile(file, warnings);
  t.is(warnings.count, 0);
  t.deepEqual([...traceLines(back)], [...traceLines(w)]);
  t.deepEqual(back.groups, w.groups);
  t.deepEqual(back.arrivalsNs, w.arrivalsNs);
  t.is(JSON.parse([...traceLines(w)][0]!).version, 2, 'a shared queue needs version 2');
  const plain = SCENARIOS.get('steady')!.generate({ cpus: 2, durationNs: 10_000_000, seed: 1 });
  t.is(JSON.parse([...traceLines(plain)][0]!).version, 1, 'without one, version 1 readers can read it');
  const edf = BUILTIN_POLICIES.get('edf')!;
  const m = model(2, 300_000_000);
  t.deepEqual(policyJson(simulate(back, edf, m)), policyJson(simulate(w, edf, m)));
});

test('arrival and take lines, and a group\'s cpu_weight, are read and checked', async (t) => {
  const header = { ...HEADER, version: 2, groups: [{ ...HEADER.groups[0], cpu_weight: 10 }] };
  const w = await parseTrace(lines(header, { type: 'arrival', group: 'web', at_ns: 700 }, { type: 'arrival', group: 'web', at_ns: 300 }, TASK,
    { type: 'take', task: 1 }, { type: 'run', task: 1, ns: 50 }, { type: 'done', task: 1 }), 't.jsonl', new Warnings());
  t.is(w.groups[0]!.cpuWeight, 10);
  t.deepEqual(Array.from(w.arrivalsNs![0]!), [300, 700]);
  const v2 = { ...HEADER, version: 2 };
  await rejects(t, lines(v2, { type: 'arrival', group: 'nope', at_ns: 1 }), /^bad\.jsonl:2: field "group": no group named "nope"/);
  await rejects(t, lines(v2, { type: 'arrival', group: 'web', at_ns: 'soon' }), /^bad\.jsonl:2: field "at_ns": expected a number, got "soon"/);
  await rejects(t, lines(HEADER, TASK, { type: 'take', task: 1 }),
    /^bad\.jsonl:3: field "type": "take" needs trace format version 2 \(shared request queues\), the header says 1/);
  const warnings = new Warnings();
  const clamped = await parseTrace(lines({ ...HEADER, groups: [{ ...HEADER.groups[0], cpu_weight: 0 }] }), 't.jsonl', warnings);
  t.is(clamped.groups[0]!.cpuWeight, 1);
  t.is(warnings.count, 1);
});

test('malformed lines name the file, the line and the field', async (t) => {
  await rejects(t, lines(HEADER, TASK, '{"type":"run","task":1,"ns":'), /^bad\.jsonl:3: not valid JSON/);
  await rejects(t, lines(HEADER, TASK, { type: 'run', task: 1, ns: 'abc' }), /^bad\.jsonl:3: field "ns": expected a number, got "abc"/);
  await rejects(t, lines(HEADER, TASK, { type: 'run', task: 2, ns: 5 }), /^bad\.jsonl:3: field "task": task 2 has no "task" line/);
  await rejects(t, lines(HEADER, TASK, { type: 'jump', task: 1 }), /^bad\.jsonl:3: field "type": expected one of/);
  await rejects(t, lines(HEADER, { ...TASK, group: 'nope' }), /^bad\.jsonl:2: field "group": no group named "nope"/);
  await rejects(t, lines(HEADER, TASK, TASK), /^bad\.jsonl:3: field "id": task 1 declared twice/);
  await rejects(t, lines({ ...HEADER, version: 3 }), /^bad\.jsonl:1: field "version": this scx-slo reads trace format versions 1 and 2, got 3/);
  await rejects(t, lines({ ...HEADER, format: 'other' }), /^bad\.jsonl:1: field "format"/);
  await rejects(t, lines({ ...HEADER, groups: [{ ...HEADER.groups[0], kind: 'daemon' }] }),
    /^bad\.jsonl:1: field "groups\[0\]\.kind": expected "service" or "batch"/);
  await rejects(t, lines({ ...HEADER, groups: [{ ...HEADER.groups[0], slo: { budget_ns: null, importance: 5 } }] }),
    /field "groups\[0\]\.slo\.budget_ns": expected a number/);
  await rejects(t, lines({ ...HEADER, duration_ns: 0 }), /field "duration_ns": must be positive/);
  await rejects(t, [], /empty trace/);
});

test('out-of-range values are clamped with a warning and the replay has no NaN', async (t) => {
  const warnings = new Warnings();
  const w = await parseTrace(
    lines(
      { ...HEADER, groups: [{ name: 'web', cgroup_id: 5, kind: 'service', slo: { budget_ns: 7_200_000_000_000, importance: 150 } },
        { name: 'b', cgroup_id: 6, kind: 'batch', slo: { budget_ns: -3, importance: 0 } }] },
      { ...TASK, start_ns: -100 },
      { type: 'run', task: 1, ns: -5 },
      { type: 'sleep', task: 1, ns: -1 },
      { type: 'request', task: 1, at_ns: -7 },
      { type: 'run', task: 1, ns: 1e300 },
      { type: 'done', task: 1 },
      { type: 'task', id: 2, group: 'b', start_ns: 0, weight: 0 },
      { type: 'run', task: 2, ns: 5_000_000 },
      { type: 'exit', task: 2 },
      { type: 'run', task: 2, ns: 5 },
    ),
    'clamp.jsonl',
    warnings,
  );
  t.deepEqual(w.groups[0]!.slo, { budgetNs: MAX_BUDGET_NS, importance: 100 });
  t.deepEqual(w.groups[1]!.slo, { budgetNs: 1, importance: 1 });
  t.is(w.tasks[0]!.startNs, 0);
  t.is(w.tasks[1]!.weight, 1);
  const text = warnings.messages.join('\n');
  for (const field of ['groups[0].slo.budget_ns', 'groups[0].slo.importance', 'groups[1].slo.budget_ns', 'groups[1].slo.importance', 'start_ns', 'ns',
    'at_ns', 'weight', 'type']) {
    t.true(text.includes(`field "${field}"`), `a warning names ${field}:\n${text}`);
  }
  t.regex(text, /clamp\.jsonl:3: field "ns": negative time -5 ns clamped to 0/);
  for (const mod of BUILTIN_POLICIES.values()) {
    const doc = policyJson(simulate(w, mod, model(2, 10_000_000)));
    t.false(JSON.stringify(doc).includes('NaN'));
    t.false(JSON.stringify(doc).includes('null,"p90":1'), 'percentiles are all null or all numbers');
  }
});

test('a trace file that does not exist is an error, not a crash', async (t) => {
  await t.throwsAsync(readTraceFile('/nonexistent/trace.jsonl', new Warnings()), { message: /ENOENT/ });
  const dir = await tempDir(t);
  await writeFile(join(dir, 'x.jsonl'), '\n\n');
  await t.throwsAsync(readTraceFile(join(dir, 'x.jsonl'), new Warnings()), { message: /empty trace/ });
});
