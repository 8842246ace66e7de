// `scx-slo check-config FILE` as a user runs it: problems located at line and column with
// exit status 1, a clean file with exit status 0, an unusable file named with exit 1; and
// the positions themselves, which the agent's reload logs too.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateConfigFields } from '../../agent/slo/slo-config-check.js';
import { checkSloConfig } from '../../agent/slo/slo-config-file.js';
import { REPO_ROOT } from '../../agent/bpf/test/bpf-fixture.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

function withFile(text: string, fn: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'scx-slo-check-'));
  try {
    const file = join(dir, 'slos.yaml');
    writeFileSync(file, text);
    fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const BAD = [
  'cgroups:',
  '  system.slice/nginx.service: { budgetMs: 10, importance: 90 }',
  '  batch.slice:',
  '    budgetMs: fast',
  '    importance: 10',
  '  web.slice:',
  '    importance: 101',
  '',
].join('\n');

test('each problem is located at the line and column of its value', (t) => {
  const r = checkSloConfig(BAD, 'slos.yaml');
  t.is(r.entries.length, 1);
  t.deepEqual(r.errors.map((e) => [e.field, e.position]), [
    ['cgroups["batch.slice"].budgetMs', { line: 4, column: 15 }],
    ['cgroups["web.slice"].importance', { line: 7, column: 17 }],
  ]);
  t.regex(r.errors[0]!.located, /^slos\.yaml:4:15: cgroups\["batch\.slice"\]\.budgetMs: invalid value "fast"/);
});

test('entry keys are located at the key', (t) => {
  const pos = locateConfigFields('cgroups:\n  a.slice: 7\n');
  t.deepEqual(pos.get('cgroups["a.slice"]'), { line: 2, column: 3 });
});

test('check-config exits 1 and prints FILE:LINE:COL for each problem', (t) => {
  withFile(BAD, (file) => {
    const r = spawnSync(process.execPath, [CLI, 'check-config', file], { encoding: 'utf8' });
    t.is(r.status, 1);
    t.regex(r.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:15: cgroups\\["batch\\.slice"\\]\\.budgetMs: `, 'm'));
    t.regex(r.stderr, /:7:17: cgroups\["web\.slice"\]\.importance: invalid value 101/);
    t.regex(r.stderr, /1 valid SLO entries, 2 problems$/m);
  });
});

test('check-config exits 0 on a clean file and 1 on a file that is not YAML or cannot be read', (t) => {
  withFile('cgroups:\n  batch.slice: { budgetMs: 500, importance: 10 }\n', (file) => {
    const r = spawnSync(process.execPath, [CLI, 'check-config', file], { encoding: 'utf8' });
    t.is(r.status, 0, r.stderr);
    t.regex(r.stdout, /1 valid SLO entries, 0 problems/);
  });
  withFile('cgroups: [unclosed\n', (file) => {
    const r = spawnSync(process.execPath, [CLI, 'check-config', file], { encoding: 'utf8' });
    t.is(r.status, 1);
    t.regex(r.stderr, /not valid YAML/);
  });
  const missing = spawnSync(process.execPath, [CLI, 'check-config', '/nonexistent/slos.yaml'], { encoding: 'utf8' });
  t.is(missing.status, 1);
  t.regex(missing.stderr, /\/nonexistent\/slos\.yaml: cannot read/);
  t.is(spawnSync(process.execPath, [CLI, 'check-config'], { encoding: 'utf8' }).status, 2, 'no FILE is a usage error');
});
