// The chart's values.schema.json, checked with a real JSON-Schema validator (ajv,
// draft-07 like helm): values.yaml passes, bad values are rejected at render/install
// time naming the field and value, and the agent.* ranges are the ones `scx-slo run`'s
// own option parser (cli/run-options.ts) accepts, at both ends.
import test from 'ava';
import { parseRunOptions } from '../../cli/run-options.js';
import { CHART_DIR } from '../verify/k8s-check.js';
import { loadChart, mergeValues, renderChart, validateValues, ValuesSchemaError, type Values } from '../verify/helm-render.js';

const chart = loadChart(CHART_DIR);
const render = (values: Values): void => {
  renderChart(chart, { releaseName: 'scx-slo', namespace: 'scx-slo-system', values });
};

test('the chart has a values.schema.json and values.yaml passes it', (t) => {
  t.truthy(chart.schema);
  t.notThrows(() => validateValues(chart, chart.values));
});

// values path under agent -> the `scx-slo run` flag it becomes (templates/daemonset.yaml).
const AGENT_FLAGS: [string, string][] = [
  ['defaultBudgetMs', '--default-budget-ms'],
  ['defaultImportance', '--default-importance'],
  ['lagMs', '--lag-ms'],
  ['overloadWindowMs', '--overload-window-ms'],
  ['overloadSlackMs', '--overload-slack-ms'],
];

const agentSchema = (key: string): { minimum: number; maximum: number } => {
  const props = (chart.schema!['properties'] as Record<string, { properties: Record<string, { minimum: number; maximum: number }> }>)['agent']!.properties;
  return props[key]!;
};
const parserAccepts = (flag: string, value: number): boolean => {
  try {
    parseRunOptions([flag, String(value)], {});
    return true;
  } catch {
    return false;
  }
};
const schemaAccepts = (key: string, value: number): boolean => {
  try {
    validateValues(chart, mergeValues(chart.values, { agent: { [key]: value } }));
    return true;
  } catch (err) {
    if (err instanceof ValuesSchemaError) return false;
    throw err;
  }
};

for (const [key, flag] of AGENT_FLAGS) {
  test(`agent.${key} has the range ${flag} accepts: both ends in, just past them out`, (t) => {
    const { minimum, maximum } = agentSchema(key);
    const eps = minimum / 10 || 0.001;
    // (a minimum of 0: the value just below is negative)
    for (const v of [minimum, maximum]) {
      t.true(parserAccepts(flag, v), `${flag} ${v} should be accepted by the agent`);
      t.true(schemaAccepts(key, v), `agent.${key}=${v} should pass the schema`);
    }
    for (const v of [minimum - eps, maximum + 1]) {
      t.false(parserAccepts(flag, v), `${flag} ${v} should be refused by the agent`);
      t.false(schemaAccepts(key, v), `agent.${key}=${v} should fail the schema`);
    }
  });
}

test('agent.policy takes the built-in policies and module paths the agent takes, nothing else', (t) => {
  for (const p of ['edf', 'fair', 'fifo', '/opt/policies/mine.js']) t.notThrows(() => render({ agent: { policy: p } }), p);
  const err = t.throws(() => render({ agent: { policy: 'cfs' } }), { instanceOf: ValuesSchemaError });
  t.regex(err!.message, /agent\.policy: must match pattern .*, got "cfs"/);
});

test('agent.logLevel and agent.logFormat take exactly the values --log-level and --log-format take', (t) => {
  const enums = (chart.schema!['properties'] as Record<string, { properties: Record<string, { enum: string[] }> }>)['agent']!.properties;
  for (const [key, flag, wrong] of [['logLevel', '--log-level', 'verbose'], ['logFormat', '--log-format', 'yaml']] as const) {
    for (const v of enums[key]!.enum) {
      t.notThrows(() => parseRunOptions([flag, v], {}), `${flag} ${v}`);
      t.notThrows(() => render({ agent: { [key]: v } }), `agent.${key}=${v}`);
    }
    t.throws(() => parseRunOptions([flag, wrong], {}));
    t.throws(() => render({ agent: { [key]: wrong } }), { instanceOf: ValuesSchemaError, message: new RegExp(`agent\\.${key}: must be equal to one ` +
      `of the allowed values`) });
  }
});

test('bad values fail at render time, naming the field and the value', (t) => {
  const cases: [Values, RegExp][] = [
    [{ agent: { lagMs: 0 } }, /agent\.lagMs: must be >= 0\.05, got 0/],
    [{ agent: { defaultImportance: 101 } }, /agent\.defaultImportance: must be <= 100, got 101/],
    [{ agent: { defaultBudgetMs: '100ms' } }, /agent\.defaultBudgetMs: must be number, got "100ms"/],
    [{ agent: { lagms: 5 } }, /agent: must NOT have additional properties \(lagms\)/],
    [{ metricsPort: 70000 }, /metricsPort: must be <= 65535, got 70000/],
    [{ image: { pullPolicy: 'Sometimes' } }, /image\.pullPolicy: must be equal to one of the allowed values, got "Sometimes"/],
    [{ nodeSelector: { 'kubernetes.io/arch': 'arm64' } }, /nodeSelector\.kubernetes\.io\/arch: must be equal to constant, got "arm64"/],
    [{ cgroupSlos: { 'system.slice/a.service': { budgetMs: 0 } } }, /cgroupSlos\.system\.slice\/a\.service\.budgetMs: must be > 0, got 0/],
    [{ serviceMonitor: { interval: 'often' } }, /serviceMonitor\.interval: must match pattern/],
  ];
  for (const [values, expected] of cases) {
    const err = t.throws(() => render(values), { instanceOf: ValuesSchemaError }, JSON.stringify(values));
    t.regex(err?.message ?? '', expected);
  }
});
