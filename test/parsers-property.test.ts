// Property-based tests (fast-check) over the parsers of untrusted input: the config file,
// pod annotations, SLOPolicy objects, the simulator's trace format and kernel trace text.
// Random and mutated inputs must never crash with anything but the documented error
// (Error naming the file for the config file, InputError for traces; annotations and
// SLOPolicies never throw), never hang (each run is timed), and never produce NaN or an
// out-of-range SLO. The config file's fast path must agree with the YAML library.
import test from 'ava';
import fc from 'fast-check';
import { parseDocument } from 'yaml';
import { parseCanonicalSloConfig, parseSloConfig } from '../agent/slo/slo-config-file.js';
import { sloFromAnnotations } from '../agent/k8s/slo-annotations.js';
import { compileSloPolicy } from '../agent/k8s/slo-policy.js';
import { MAX_BUDGET_NS, type SloEntry } from '../policy/api.js';
import { InputError, Warnings } from '../sim/diagnostics.js';
import { parseKernelTraceText } from '../sim/import/kernel-trace-text.js';
import { parseTrace } from '../sim/trace-reader.js';

const RUNS = 300;
/** One parse taking longer than this is a hang (the slowest legitimate inputs here take a few ms). */
const HANG_MS = 2000;

function timed<T>(what: string, f: () => T): T {
  const t0 = performance.now();
  const out = f();
  const ms = performance.now() - t0;
  if (ms > HANG_MS) throw new Error(`${what} took ${ms.toFixed(0)} ms`);
  return out;
}

function validSlo(slo: Partial<SloEntry>): boolean {
  const okBudget = slo.budgetNs === undefined || (Number.isInteger(slo.budgetNs) && slo.budgetNs >= 1 && slo.budgetNs <= MAX_BUDGET_NS);
  const okImportance = slo.importance === undefined || (Number.isInteger(slo.importance) && slo.importance >= 1 && slo.importance <= 100);
  return okBudget && okImportance;
}

/** Inserts, deletes or replaces characters of `text` (a mutation fuzzer's moves). */
const mutated = (base: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(base, fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.string({ maxLength: 4, unit: 'binary' })), { maxLength: 6 })).map(([text, edits]) => {
    let s = text;
    for (const [at, kind, ins] of edits) {
      const i = s.length === 0 ? 0 : at % s.length;
      if (kind === 0) s = s.slice(0, i) + ins + s.slice(i);
      else if (kind === 1) s = s.slice(0, i) + s.slice(i + 1 + (at % 3));
      else s = s.slice(0, i) + ins + s.slice(i + ins.length);
    }
    return s;
  });

const cgroupPath = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,12}(\/[a-z0-9_.-]{1,10}){0,3}$/);
const numberText = fc.oneof(fc.integer({ min: -10, max: 5_000_000 }).map(String), fc.double({ noNaN: false }).map(String),
  fc.constantFrom('.inf', '-.inf', '.nan', '1e400', '0', '20ms', '"7"', 'null', '~', '0x1F', '1_000'));
const entryLine = fc.tuple(cgroupPath, fc.option(numberText), fc.option(numberText)).map(([p, b, i]) => {
  const fields = [b === null ? '' : `budgetMs: ${b}`, i === null ? '' : `importance: ${i}`].filter((f) => f !== '');
  return `  ${p}: { ${fields.join(', ')} }`;
});
const blockEntry = fc.tuple(cgroupPath, numberText, numberText).map(([p, b, i]) => `  ${p}:\n    budgetMs: ${b}\n    importance: ${i}`);
const configText = fc.array(fc.oneof(entryLine, blockEntry, fc.constant('  # comment'), fc.constant('')),
  { maxLength: 30 }).map((ls) => `cgroups:\n${ls.join('\n')}\n`);

function checkConfig(text: string): void {
  let parsed;
  try {
    parsed = timed('parseSloConfig', () => parseSloConfig(text, 'fuzz.yaml'));
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('fuzz.yaml: ')) throw err;
    return;
  }
  for (const e of parsed.entries) if (!validSlo(e.slo)) throw new Error(`bad SLO ${JSON.stringify(e.slo)}`);
  for (const e of parsed.errors) if (!e.message.startsWith('fuzz.yaml: ')) throw new Error(`bad message ${e.message}`);
}

test('the config file: random and mutated files give entries in range or a file-naming Error, never a crash or NaN', (t) => {
  t.notThrows(() => fc.assert(fc.property(configText, (text) => checkConfig(text)), { numRuns: RUNS }), 'generated files');
  t.notThrows(() => fc.assert(fc.property(mutated(configText), (text) => checkConfig(text)), { numRuns: RUNS }), 'mutated files');
  t.notThrows(() => fc.assert(fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (text) => checkConfig(text)), { numRuns: RUNS }), 'random text');
});

test('the config file fast path reads exactly what the YAML library reads', (t) => {
  fc.assert(
    fc.property(fc.oneof(configText, mutated(configText)), (text) => {
      let fast;
      try {
        fast = parseCanonicalSloConfig(text, 'fuzz.yaml');
      } catch (err) {
        // Only a duplicate key; the YAML library must refuse it too.
        const doc = parseDocument(text, { uniqueKeys: true });
        if (doc.errors.length === 0) throw new Error(`fast path refused a valid file: ${(err as Error).message}`);
        return;
      }
      if (fast === undefined) return; // not the documented shape: the YAML library reads it
      const doc = parseDocument(text, { uniqueKeys: true });
      if (doc.errors.length > 0) throw new Error(`fast path accepted invalid YAML: ${doc.errors[0]!.message}`);
      t.deepEqual(fast, JSON.parse(JSON.stringify(doc.toJS())) as unknown);
    }),
    { numRuns: RUNS },
  );
});

const annotationValue = fc.oneof(fc.string({ maxLength: 12 }), numberText, fc.stringMatching(/^\s*\d{1,12}(\.\d{0,8})?\s*(ms)?\s*$/));

test('pod annotations: any values give SLO values in range or problems, never a throw', (t) => {
  t.notThrows(() => fc.assert(
    fc.property(fc.dictionary(fc.constantFrom('scx-slo/budget-ms', 'scx-slo/importance', 'other'), annotationValue), (annotations) => {
      const r = timed('sloFromAnnotations', () => sloFromAnnotations(annotations, 'ns/pod'));
      if (!validSlo(r.slo)) throw new Error(`bad SLO ${JSON.stringify(r.slo)}`);
      for (const p of r.problems) if (!p.message.startsWith('pod ns/pod annotation ')) throw new Error(p.message);
    }),
    { numRuns: RUNS },
  ));
});

test('SLOPolicy objects: any spec gives an SLO in range or problems, never a throw', (t) => {
  const selector = fc.oneof(fc.anything(), fc.record({ matchLabels: fc.dictionary(fc.string({ maxLength: 8 }), fc.anything()) }),
    fc.record({ matchExpressions: fc.array(fc.record({ key: fc.string(), operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist', 'Bogus'),
      values: fc.anything() })) }));
  const spec = fc.oneof(fc.anything(), fc.record({ selector, budgetMs: fc.oneof(fc.anything(), fc.double(), annotationValue),
    importance: fc.oneof(fc.anything(), fc.double(), fc.integer()) }, { requiredKeys: [] }));
  t.notThrows(() => fc.assert(
    fc.property(spec, (s) => {
      const p = timed('compileSloPolicy', () => compileSloPolicy({ apiVersion: 'scx-slo.io/v1alpha1', kind: 'SLOPolicy',
        metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: s }));
      if (!validSlo(p.slo)) throw new Error(`bad SLO ${JSON.stringify(p.slo)}`);
      if (p.selector) timed('selector', () => p.selector!.matches({ a: 'b' }));
    }),
    { numRuns: RUNS },
  ));
});

const traceHeader = '{"type":"header","format":"scx-slo-trace","version":1,"cpus":2,"duration_ns":1000000}';
const traceLine = fc.oneof(
  fc.constant('{"type":"group","name":"web","cgroup_id":5,"kind":"service","slo":{"budget_ns":2000000,"importance":90}}'),
  fc.constant('{"type":"task","id":1,"group":"web","pid":10,"tgid":10,"comm":"w","start_ns":0,"weight":100}'),
  fc.tuple(fc.constantFrom('run', 'sleep'), fc.oneof(fc.integer(), fc.double())).map(([k, ns]) => JSON.stringify({ type: k, task: 1, ns })),
  fc.oneof(fc.integer(), fc.double()).map((at) => JSON.stringify({ type: 'request', task: 1, at_ns: at })),
  fc.constantFrom('{"type":"done","task":1}', '{"type":"exit","task":1}', '{"type":"run","task":9,"ns":5}', '{', 'null', '[]', '{"type":"bogus"}'),
  fc.json(),
);

test('the simulator trace format: random and mutated traces load without NaN or fail with InputError', async (t) => {
  await t.notThrowsAsync(fc.assert(
    fc.asyncProperty(fc.oneof(fc.array(traceLine, { maxLength: 20 }).map((ls) => [traceHeader, ...ls]),
      mutated(fc.array(traceLine, { maxLength: 20 }).map((ls) => [traceHeader, ...ls].join('\n'))).map((s) => s.split('\n'))), async (lines) => {
      const t0 = performance.now();
      try {
        const w = await parseTrace(lines, 'fuzz.jsonl', new Warnings());
        for (const v of w.opArg) if (Number.isNaN(v)) throw new Error('NaN in a task script');
        for (const task of w.tasks) if (!Number.isFinite(task.startNs) || !Number.isFinite(task.weight)) throw new Error(`bad task ${JSON.stringify(task)}`);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
      }
      if (performance.now() - t0 > HANG_MS) throw new Error('parseTrace hung');
    }),
    { numRuns: RUNS },
  ));
});

const ftraceLine = fc.tuple(fc.stringMatching(/^[a-z/0-9]{1,8}$/), fc.nat(999), fc.nat(3), fc.double({ min: 0, max: 1e6, noNaN: true }),
  fc.constantFrom('sched_switch', 'sched_wakeup', 'sched_waking', 'sched_wakeup_new', 'sched_process_exit', 'irq_handler_entry'), fc.string({ maxLength: 60 }))
  .map(([comm, pid, cpu, ts, ev, payload]) => `  ${comm}-${pid}  [${String(cpu).padStart(3, '0')}]  ${ts.toFixed(6)}: ${ev}: ${payload}`);
const goodSwitch = fc.tuple(fc.nat(99), fc.nat(99), fc.double({ min: 0, max: 1e3, noNaN: true })).map(([a, b, ts]) =>
  `  t-${a}  [000]  ${ts.toFixed(6)}: sched_switch: prev_comm=t prev_pid=${a} prev_prio=120 prev_state=S ==> next_comm=u next_pid=${b} next_prio=120`);

test('kernel trace text: random and mutated lines give finite events or InputError, never a crash', async (t) => {
  await t.notThrowsAsync(fc.assert(
    fc.asyncProperty(fc.oneof(fc.array(fc.oneof(ftraceLine, goodSwitch), { maxLength: 30 }),
      mutated(fc.array(fc.oneof(ftraceLine, goodSwitch), { maxLength: 30 }).map((ls) => ls.join('\n'))).map((s) => s.split('\n'))),
    fc.constantFrom('ftrace', 'perf') as fc.Arbitrary<'ftrace' | 'perf'>, async (lines, format) => {
      const t0 = performance.now();
      try {
        const r = await parseKernelTraceText(lines, format, 'fuzz.txt', new Warnings());
        for (const e of r.events) if (!Number.isFinite(e.ts) || !Number.isInteger(e.cpu)) throw new Error(`bad event ${JSON.stringify(e)}`);
        if (!Number.isInteger(r.cpus) || r.cpus < 1) throw new Error(`bad cpus ${r.cpus}`);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
      }
      if (performance.now() - t0 > HANG_MS) throw new Error('parseKernelTraceText hung');
    }),
    { numRuns: RUNS },
  ));
});

test('the config file fast path follows YAML\'s rules for comments and colons (cases fast-check found)', (t) => {
  const cases = [
    'cgroups:# a comment needs a space before it',
    'cgroups:\n  a.slice:#x\n',
    'cgroups:\n  a.slice:{ budgetMs: 5 }\n',
    'cgroups:\n  a.slice: { budgetMs:5 }\n',
    'cgroups:\n  a.slice: { budgetMs: 5 }#x\n',
    'cgroups:\n  a.slice:\n    budgetMs:5\n',
    'cgroups:\n  a.slice:\n    budgetMs: 5#x\n',
  ];
  for (const text of cases) {
    const fast = parseCanonicalSloConfig(text, 'case.yaml');
    const doc = parseDocument(text, { uniqueKeys: true });
    if (fast === undefined) continue; // left to the YAML library
    t.is(doc.errors.length, 0, text);
    t.deepEqual(fast, JSON.parse(JSON.stringify(doc.toJS())) as unknown, JSON.stringify(text));
  }
  t.is(parseCanonicalSloConfig('cgroups:\n  a.slice: { budgetMs: 5 } # ok\n', 'case.yaml')?.cgroups?.['a.slice']?.['budgetMs'], 5);
});
