// The admin's SLO grants file: defaults when empty, per-namespace grants inheriting the
// default's missing fields, and a clear error naming the field and value for bad input.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SLO_GRANT } from '../../../policy/slo-grant.js';
import { loadSloGrants, MAX_GRANTS_FILE_BYTES, parseSloGrants } from '../slo-grants-file.js';

test('an empty file means the default grant for every namespace', (t) => {
  const g = parseSloGrants('', 'g.yaml');
  t.deepEqual(g.default, DEFAULT_SLO_GRANT);
  t.is(g.namespaces.size, 0);
});

test('namespaces get their grant; missing fields come from the default', (t) => {
  const g = parseSloGrants('default: { minBudgetMs: 200 }\nnamespaces:\n  shop: { minBudgetMs: 5, maxImportance: 90 }\n  batch: { ' +
    'maxImportance: 10 }\n', 'g.yaml');
  t.deepEqual(g.default, { minBudgetNs: 200_000_000, maxImportance: 50 });
  t.deepEqual(g.namespaces.get('shop'), { minBudgetNs: 5_000_000, maxImportance: 90 });
  t.deepEqual(g.namespaces.get('batch'), { minBudgetNs: 200_000_000, maxImportance: 10 });
});

test('bad grants are refused naming the field and the value', (t) => {
  t.throws(() => parseSloGrants('namespaces:\n  shop: { maxImportance: 101 }\n', 'g.yaml'),
    { message: /g\.yaml: namespaces\.shop\.maxImportance: invalid value 101: must be an integer from 1 to 100/ });
  t.throws(() => parseSloGrants('default: { minBudgetMs: -1 }\n', 'g.yaml'), { message: /default\.minBudgetMs: invalid value -1/ });
  t.throws(() => parseSloGrants('namespaces:\n  Shop_1: {}\n', 'g.yaml'), { message: /invalid namespace name "Shop_1"/ });
  t.throws(() => parseSloGrants('grants: {}\n', 'g.yaml'), { message: /unknown top-level key "grants"/ });
  t.throws(() => parseSloGrants('namespaces:\n  shop: { budgetMs: 5 }\n', 'g.yaml'), { message: /namespaces\.shop\.budgetMs: unknown key/ });
});

test('a grants file larger than the cap is refused before it is read', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'scx-slo-grants-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'big.yaml');
  writeFileSync(file, `# ${'x'.repeat(MAX_GRANTS_FILE_BYTES)}\n`);
  t.throws(() => loadSloGrants(file), { message: /cannot read the SLO grants: \d+ bytes, more than the 1048576 allowed/ });
});
