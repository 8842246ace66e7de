// Unit tests of the SLO value rules, annotations, label selectors, SLOPolicy selection
// and the per-field precedence of a pod's SLO.
import test from 'ava';
import type { V1Pod } from '@kubernetes/client-node';
import { DEFAULT_BUDGET_NS, DEFAULT_IMPORTANCE } from '../../../policy/api.js';
import { parseBudgetMs, parseImportance } from '../../slo/slo-values.js';
import { compileLabelSelector } from '../label-selector.js';
import { resolvePodSlo } from '../pod-slo.js';
import { sloFromAnnotations } from '../slo-annotations.js';
import { compileSloPolicy, pickSloPolicy } from '../slo-policy.js';

test('budget: positive ms, "ms" suffix accepted, at most 1 hour', (t) => {
  const ok = (raw: unknown, ns: number): void => {
    t.deepEqual(parseBudgetMs(raw), { ok: true, value: ns }, String(raw));
  };
  ok('20', 20_000_000);
  ok('20ms', 20_000_000);
  ok(' 2.5 ms ', 2_500_000);
  ok('.5', 500_000);
  ok(20, 20_000_000);
  ok('3600000', 3_600_000_000_000);
  for (const bad of ['', 'abc', '0', '-5', '20s', '1e3', '3600000.1', '3600001', 0, -1, Number.NaN, Infinity, null, true, '0.0000001']) {
    const r = parseBudgetMs(bad);
    t.false(r.ok, `rejects ${JSON.stringify(bad)}`);
  }
});

test('importance: integer 1..100', (t) => {
  t.deepEqual(parseImportance('1'), { ok: true, value: 1 });
  t.deepEqual(parseImportance(' 100 '), { ok: true, value: 100 });
  t.deepEqual(parseImportance(42), { ok: true, value: 42 });
  for (const bad of ['0', '101', '5.5', 'high', '', 5.5, 0, -3, '0x10', null]) t.false(parseImportance(bad).ok, `rejects ${JSON.stringify(bad)}`);
});

test('annotations are read independently and problems name annotation and value', (t) => {
  t.deepEqual(sloFromAnnotations(undefined, 'ns/p'), { slo: {}, problems: [] });
  const r = sloFromAnnotations({ 'scx-slo/budget-ms': '10', 'scx-slo/importance': 'max', other: 'x' }, 'ns/p');
  t.deepEqual(r.slo, { budgetNs: 10_000_000 });
  t.is(r.problems.length, 1);
  t.is(r.problems[0]!.field, 'scx-slo/importance');
  t.is(r.problems[0]!.value, 'max');
  t.regex(r.problems[0]!.message, /^pod ns\/p annotation scx-slo\/importance: invalid value "max": must be an integer from 1 to 100; ignored$/);
});

test('label selectors: matchLabels and every operator, apimachinery semantics', (t) => {
  const sel = compileLabelSelector(
    {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['fe', 'be'] },
        { key: 'canary', operator: 'NotIn', values: ['true'] },
        { key: 'team', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist', values: [] },
      ],
    },
    'spec.selector',
  );
  if (!sel.ok) return t.fail(sel.error);
  t.is(sel.selector.requirements, 5);
  t.true(sel.selector.matches({ app: 'web', tier: 'fe', team: 'x' }));
  t.true(sel.selector.matches({ app: 'web', tier: 'be', team: 'x', canary: 'false' }));
  t.false(sel.selector.matches({ app: 'web', tier: 'fe', team: 'x', canary: 'true' }));
  t.false(sel.selector.matches({ app: 'web', tier: 'fe' }));
  t.false(sel.selector.matches({ app: 'web', tier: 'fe', team: 'x', legacy: '' }));
  t.false(sel.selector.matches({ app: 'api', tier: 'fe', team: 'x' }));
  t.false(sel.selector.matches(undefined));
  const empty = compileLabelSelector({}, 's');
  t.true(empty.ok && empty.selector.matches(undefined) && empty.selector.requirements === 0);
  const proto = compileLabelSelector({ matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, 's');
  t.true(proto.ok && !proto.selector.matches({}), 'inherited properties are not labels');

  const bad = (raw: unknown, field: RegExp): void => {
    const r = compileLabelSelector(raw, 'spec.selector');
    t.false(r.ok);
    if (!r.ok) t.regex(r.field, field);
  };
  bad('app=web', /^spec\.selector$/);
  bad({ matchLabels: { app: 3 } }, /matchLabels\.app$/);
  bad({ matchExpressions: [{ key: 'a', operator: 'Like', values: ['x'] }] }, /matchExpressions\[0\]\.operator$/);
  bad({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, /\.values$/);
  bad({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, /\.values$/);
  bad({ matchExpressions: [{ operator: 'Exists' }] }, /\.key$/);
});

const policy = (ns: string, name: string, spec: unknown) =>
  compileSloPolicy({ apiVersion: 'scx-slo.io/v1alpha1', kind: 'SLOPolicy', metadata: { namespace: ns, name, uid: `${ns}-${name}` }, spec });

test('SLOPolicy: most requirements wins, then the name that sorts first; invalid selectors match nothing', (t) => {
  const ps = [
    policy('ns', 'b-broad', { selector: {}, budgetMs: 100 }),
    policy('ns', 'z-app', { selector: { matchLabels: { app: 'web' } }, budgetMs: 10 }),
    policy('ns', 'c-app', { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }, budgetMs: 20 }),
    policy('ns', 'a-broken', { selector: { matchLabels: { app: 'web', tier: 'fe' }, matchExpressions: [{ key: 'x', operator: '?' }] }, budgetMs: 1 }),
    policy('other', 'a', { selector: { matchLabels: { app: 'web', tier: 'fe' } }, budgetMs: 1 }),
  ];
  t.is(pickSloPolicy(ps, 'ns', { app: 'web' })?.name, 'c-app');
  t.is(pickSloPolicy([...ps].reverse(), 'ns', { app: 'web' })?.name, 'c-app', 'independent of order');
  t.is(pickSloPolicy(ps, 'ns', { app: 'db' })?.name, 'b-broad');
  t.is(pickSloPolicy(ps, 'ns2', { app: 'web' }), undefined);
  t.is(ps[3]!.selector, undefined);
  t.regex(ps[3]!.problems[0]!.message, /SLOPolicy ns\/a-broken spec\.selector\.matchExpressions\[0\]\.operator: invalid value "\?"/);
});

test('SLOPolicy spec validation keeps valid fields', (t) => {
  const p = policy('ns', 'p', { selector: {}, budgetMs: -1, importance: 7 });
  t.deepEqual(p.slo, { importance: 7 });
  t.deepEqual(p.problems.map((x) => x.field), ['spec.budgetMs']);
  t.deepEqual(policy('ns', 'q', { selector: {} }).problems.map((x) => x.field), ['spec']);
  t.deepEqual(policy('ns', 'r', 'nonsense').problems.map((x) => x.field), ['spec']);
  t.is(policy('ns', 'r', 'nonsense').selector, undefined);
});

test('pod SLO: annotation > policy > default, field by field; nothing configured = no entry', (t) => {
  const pod = (labels: Record<string, string>, annotations?: Record<string, string>): V1Pod => ({ metadata: { namespace: 'ns', name: 'p', uid: 'u',
    labels, annotations } });
  const ps = [policy('ns', 'web', { selector: { matchLabels: { app: 'web' } }, budgetMs: 30, importance: 70 })];
  t.deepEqual(resolvePodSlo(pod({ app: 'db' }), ps).slo, undefined);
  t.deepEqual(resolvePodSlo(pod({ app: 'web' }), ps).slo, { budgetNs: 30_000_000, importance: 70 });
  const mixed = resolvePodSlo(pod({ app: 'web' }, { 'scx-slo/budget-ms': '5' }), ps);
  t.deepEqual(mixed.slo, { budgetNs: 5_000_000, importance: 70 });
  t.is(mixed.budgetFrom, 'annotation');
  t.is(mixed.importanceFrom, 'slopolicy');
  const badAnn = resolvePodSlo(pod({ app: 'web' }, { 'scx-slo/budget-ms': 'x' }), ps);
  t.deepEqual(badAnn.slo, { budgetNs: 30_000_000, importance: 70 }, 'bad annotation falls back to the policy');
  t.is(badAnn.problems.length, 1);
  const onlyImportance = resolvePodSlo(pod({}, { 'scx-slo/importance': '3' }), []);
  t.deepEqual(onlyImportance.slo, { budgetNs: DEFAULT_BUDGET_NS, importance: 3 });
  const allBad = resolvePodSlo(pod({}, { 'scx-slo/importance': '300', 'scx-slo/budget-ms': '0' }), []);
  t.is(allBad.slo, undefined);
  t.is(allBad.problems.length, 2);
  t.is(DEFAULT_IMPORTANCE, 50);
});
