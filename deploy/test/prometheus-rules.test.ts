// The alerting rules (deploy/components/prometheus-operator/prometheusrule.yaml): the
// PrometheusRule's shape, every expression parsed by a real PromQL parser against the
// series the agent's registry really renders, `promtool check rules`, and promtool's rule
// unit tests (deploy/test/fixtures/prometheus-rules.test.yaml), which must also fail
// when a threshold is broken. Also `promtool check metrics` on the agent's real registry
// output. The promtool parts need promtool (make setup provides it).
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { agentMetricCatalog } from '../verify/agent-metric-catalog.js';
import { OPERATOR_COMPONENT_DIR } from '../verify/deploy-files.js';
import { DEPLOY_DIR } from '../verify/k8s-check.js';
import { promqlProblems } from '../verify/promql-check.js';
import { findPromtool, promtool } from '../verify/promtool.js';

interface Rule { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
interface RuleObject { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: { groups: { name: string; rules: Rule[] }[] } }

const RULE_FILE = join(OPERATOR_COMPONENT_DIR, 'prometheusrule.yaml');
const UNIT_TESTS = join(DEPLOY_DIR, 'test', 'fixtures', 'prometheus-rules.test.yaml');
const load = (): RuleObject => parseYaml(readFileSync(RULE_FILE, 'utf8')) as RuleObject;
const rules = (o: RuleObject): Rule[] => o.spec.groups.flatMap((g) => g.rules);
const PROMTOOL = findPromtool();
const withPromtool = PROMTOOL ? test : test.skip;

test('a PrometheusRule in scx-slo-system whose every alert has a severity, summary and description', (t) => {
  const o = load();
  t.is(o.apiVersion, 'monitoring.coreos.com/v1');
  t.is(o.kind, 'PrometheusRule');
  t.is(o.metadata.namespace, 'scx-slo-system');
  const names = rules(o).map((r) => r.alert);
  for (const r of rules(o)) {
    t.truthy(r.alert, 'alerting rules only');
    t.true(['info', 'warning', 'critical'].includes(r.labels?.['severity'] ?? ''), `${r.alert}: severity`);
    t.truthy(r.annotations?.['summary'], `${r.alert}: summary`);
    t.truthy(r.annotations?.['description'], `${r.alert}: description`);
  }
  t.is(new Set(names).size, names.length, 'alert names are unique');
  for (const want of ['ScxSloSchedulerNotAttached', 'ScxSloWorkloadMissRatioHigh', 'ScxSloConfigErrors', 'ScxSloWatchRestarting',
    'ScxSloAgentLagging']) t.true(names.includes(want), `missing ${want}`);
});

test('every rule expression parses as PromQL over series and labels the agent exports', async (t) => {
  const catalog = await agentMetricCatalog();
  for (const r of rules(load())) t.deepEqual(promqlProblems(r.expr, catalog), [], r.alert);
});

test('the PromQL check rejects a misspelt metric, an unknown label and a syntax error', async (t) => {
  const catalog = await agentMetricCatalog();
  t.regex(promqlProblems('scx_slo_mod{mode="detached"} == 1', catalog).join(), /unknown metric scx_slo_mod/);
  t.regex(promqlProblems('sum by (nodename) (scx_slo_attached)', catalog).join(), /unknown label nodename/);
  t.regex(promqlProblems('sum by (node) (rate(scx_slo_config_errors_total[15m])', catalog).join(), /syntax error/);
});

/** Writes the rules (spec) and the unit tests into a fresh directory. */
function ruleDir(mutate?: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'scx-slo-rules-'));
  const spec = stringifyYaml(load().spec);
  writeFileSync(join(dir, 'rules.yaml'), mutate ? mutate(spec) : spec);
  writeFileSync(join(dir, 'tests.yaml'), readFileSync(UNIT_TESTS, 'utf8'));
  return dir;
}

withPromtool('promtool check rules accepts the rules', (t) => {
  const dir = ruleDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = promtool(PROMTOOL!, ['check', 'rules', 'rules.yaml'], { cwd: dir });
  t.is(r.status, 0, r.output);
  t.regex(r.output, new RegExp(`SUCCESS: ${rules(load()).length} rules found`));
});

withPromtool('promtool\'s unit tests of the alerts pass, and fail with a broken threshold', (t) => {
  const dir = ruleDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const ok = promtool(PROMTOOL!, ['test', 'rules', 'tests.yaml'], { cwd: dir });
  t.is(ok.status, 0, ok.output);
  const broken = ruleDir((s) => s.replace(') > 0.01', ') > 0.1'));
  t.teardown(() => rmSync(broken, { recursive: true, force: true }));
  const bad = promtool(PROMTOOL!, ['test', 'rules', 'tests.yaml'], { cwd: broken });
  t.not(bad.status, 0, 'a miss-ratio threshold of 10 % must fail the 5 % test case');
  t.regex(bad.output, /ScxSloWorkloadMissRatioHigh/);
});

withPromtool('promtool check metrics accepts the agent\'s registry output (prom-client\'s nodejs_*_total gauge names aside)', async (t) => {
  const { text } = await agentMetricCatalog();
  const r = promtool(PROMTOOL!, ['check', 'metrics'], { input: text });
  const problems = r.output.split('\n').filter((l) => l.trim() && !/^nodejs_[a-z_]+_total non-counter metrics should not have "_total" suffix$/.test(l));
  t.deepEqual(problems, []);
});

