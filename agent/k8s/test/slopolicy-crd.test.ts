// deploy/crds/slopolicy.yaml: a valid CRD whose OpenAPI schema is structural and agrees
// with the agent's own validation (compileSloPolicy) on sample SLOPolicies.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import YAML from 'yaml';
import { MAX_BUDGET_MS } from '../../slo/slo-values.js';
import { SELECTOR_OPERATORS } from '../label-selector.js';
import { compileSloPolicy, SLO_POLICY_GROUP, SLO_POLICY_KIND, SLO_POLICY_PLURAL, SLO_POLICY_VERSION } from '../slo-policy.js';

type Schema = {
  type?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  minLength?: number;
  anyOf?: Schema[];
  description?: string;
  [k: string]: unknown;
};

const crd = YAML.parse(readFileSync(new URL('../../../../deploy/crds/slopolicy.yaml', import.meta.url), 'utf8')) as {
  metadata: { name: string };
  spec: { group: string; scope: string; names: { kind: string; plural: string }; versions: Array<{ name: string; served: boolean; storage: boolean;
    schema: { openAPIV3Schema: Schema } }> };
};
const schema = crd.spec.versions[0]!.schema.openAPIV3Schema;

/** The subset of OpenAPI v3 validation the CRD uses. Returns the first error or undefined. */
function validate(s: Schema, v: unknown, at = ''): string | undefined {
  const type = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v;
  if (s.type && !(s.type === type || (s.type === 'number' && type === 'integer'))) return `${at}: want ${s.type}, got ${type}`;
  if (s.enum && !s.enum.includes(v)) return `${at}: not in enum`;
  if (typeof v === 'number') {
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) return `${at}: below minimum`;
    if (s.maximum !== undefined && v > s.maximum) return `${at}: above maximum`;
  }
  if (typeof v === 'string' && s.minLength !== undefined && v.length < s.minLength) return `${at}: too short`;
  if (type === 'object') {
    const o = v as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in o)) return `${at}.${r}: required`;
    if (s.anyOf && !s.anyOf.some((alt) => validate(alt, v, at) === undefined)) return `${at}: anyOf`;
    for (const [k, val] of Object.entries(o)) {
      const sub = s.properties?.[k] ?? s.additionalProperties;
      if (sub) {
        const e = validate(sub, val, `${at}.${k}`);
        if (e) return e;
      }
    }
  }
  if (type === 'array' && s.items) {
    for (const [i, item] of (v as unknown[]).entries()) {
      const e = validate(s.items, item, `${at}[${i}]`);
      if (e) return e;
    }
  }
  return undefined;
}

/** Structural schema rules: every node has a type, except inside anyOf (value validation only). */
function checkStructural(s: Schema, at: string, errors: string[]): void {
  if (!s.type) errors.push(`${at}: no type`);
  if (s.type === 'object' && !s.properties && !s.additionalProperties && at !== '.metadata') errors.push(`${at}: object without properties`);
  for (const alt of s.anyOf ?? []) {
    for (const k of Object.keys(alt)) if (k !== 'required') errors.push(`${at}.anyOf: only "required" allowed, found ${k}`);
  }
  for (const [k, sub] of Object.entries(s.properties ?? {})) checkStructural(sub, `${at}.${k}`, errors);
  if (s.additionalProperties) checkStructural(s.additionalProperties, `${at}.*`, errors);
  if (s.items) checkStructural(s.items, `${at}[]`, errors);
}

test('the CRD is valid and names what the agent watches', (t) => {
  t.notThrows(() => new CustomResourceDefinition(crd as never).validate());
  t.is(crd.metadata.name, `${SLO_POLICY_PLURAL}.${SLO_POLICY_GROUP}`);
  t.is(crd.spec.group, SLO_POLICY_GROUP);
  t.is(crd.spec.scope, 'Namespaced');
  t.is(crd.spec.names.kind, SLO_POLICY_KIND);
  t.is(crd.spec.names.plural, SLO_POLICY_PLURAL);
  t.is(crd.spec.versions.length, 1);
  t.like(crd.spec.versions[0], { name: SLO_POLICY_VERSION, served: true, storage: true });
});

test('the schema is structural and its bounds match the agent', (t) => {
  const errors: string[] = [];
  checkStructural(schema, '', errors);
  t.deepEqual(errors, []);
  const spec = schema.properties!['spec']!;
  t.is(spec.properties!['budgetMs']!.maximum, MAX_BUDGET_MS);
  t.true(spec.properties!['budgetMs']!.exclusiveMinimum);
  t.like(spec.properties!['importance'], { type: 'integer', minimum: 1, maximum: 100 });
  t.deepEqual(spec.properties!['selector']!.properties!['matchExpressions']!.items!.properties!['operator']!.enum, [...SELECTOR_OPERATORS]);
});

const samples: Array<[string, unknown, boolean]> = [
  ['full', { selector: { matchLabels: { app: 'web' } }, budgetMs: 20, importance: 80 }, true],
  ['budget only, fractional', { selector: {}, budgetMs: 0.5 }, true],
  ['importance only', { selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, importance: 1 }, true],
  ['one hour', { selector: {}, budgetMs: 3_600_000 }, true],
  ['neither value', { selector: {} }, false],
  ['no selector', { budgetMs: 20 }, false],
  ['zero budget', { selector: {}, budgetMs: 0 }, false],
  ['over an hour', { selector: {}, budgetMs: 3_600_001 }, false],
  ['importance 0', { selector: {}, importance: 0 }, false],
  ['importance 101', { selector: {}, importance: 101 }, false],
  ['fractional importance', { selector: {}, importance: 2.5 }, false],
  ['bad operator', { selector: { matchExpressions: [{ key: 'a', operator: 'Like' }] }, budgetMs: 1 }, false],
  ['non-string label', { selector: { matchLabels: { a: 1 } }, budgetMs: 1 }, false],
];

for (const [name, spec, valid] of samples) {
  test(`schema and agent agree: ${name}`, (t) => {
    const obj = { apiVersion: `${SLO_POLICY_GROUP}/${SLO_POLICY_VERSION}`, kind: SLO_POLICY_KIND, metadata: { name: 'p', namespace: 'ns', uid: name }, spec };
    t.is(validate(schema, obj) === undefined, valid, `schema: ${validate(schema, obj)}`);
    const compiled = compileSloPolicy(obj);
    t.is(compiled.problems.length === 0, valid, `agent: ${compiled.problems.map((p) => p.message).join('; ')}`);
  });
}
