// The config-file SLO source: parsing and validation (bad entries skipped, named by field
// and value), resolution of cgroup paths to ids in a temp cgroup tree, and reloads on
// file change and SIGHUP.
import test from 'ava';
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_BUDGET_NS, DEFAULT_IMPORTANCE } from '../../../policy/api.js';
import { ConfigErrorCounter } from '../../metrics/config-errors.js';
import { MAX_CONFIG_FILE_BYTES, parseSloConfig, startSloConfigFile } from '../slo-config-file.js';
import { MemorySloStore } from '../slo-store.js';

const MS = 1_000_000;
const quiet = { info: (): void => {}, warn: (): void => {} };

test('a valid file', (t) => {
  const r = parseSloConfig(
    ['cgroups:', '  system.slice/nginx.service: { budgetMs: 20, importance: 80 }', '  /system.slice/pg.service/:', '    budgetMs: "5ms"', '  user.slice:',
      '    importance: 10'].join('\n'),
    'slos.yaml',
  );
  t.deepEqual(r.errors, []);
  t.deepEqual(r.entries, [
    { cgroupPath: 'system.slice/nginx.service', slo: { budgetNs: 20 * MS, importance: 80 } },
    { cgroupPath: 'system.slice/pg.service', slo: { budgetNs: 5 * MS, importance: DEFAULT_IMPORTANCE } },
    { cgroupPath: 'user.slice', slo: { budgetNs: DEFAULT_BUDGET_NS, importance: 10 } },
  ]);
  t.deepEqual(parseSloConfig('', 'f'), { entries: [], errors: [] });
  t.deepEqual(parseSloConfig('cgroups:\n', 'f'), { entries: [], errors: [] });
});

test('bad entries are skipped and reported by field and value; the rest applies', (t) => {
  const r = parseSloConfig(
    [
      'cgroups:',
      '  good.service: { budgetMs: 1 }',
      '  neg.service: { budgetMs: -5, importance: 3 }',
      '  huge.service: { budgetMs: 3600001 }',
      '  imp.service: { importance: 101 }',
      '  typo.service: { budget_ms: 20 }',
      '  empty.service: {}',
      '  scalar.service: 20',
      '  "../escape": { budgetMs: 1 }',
      '  /good.service: { budgetMs: 2 }',
    ].join('\n'),
    'slos.yaml',
  );
  t.deepEqual(r.entries, [{ cgroupPath: 'good.service', slo: { budgetNs: MS, importance: DEFAULT_IMPORTANCE } }]);
  t.deepEqual(
    r.errors.map((e) => [e.field, e.metricField, e.value]),
    [
      ['cgroups["neg.service"].budgetMs', 'budgetMs', -5],
      ['cgroups["huge.service"].budgetMs', 'budgetMs', 3600001],
      ['cgroups["imp.service"].importance', 'importance', 101],
      ['cgroups["typo.service"].budget_ms', 'entry', 20],
      ['cgroups["empty.service"]', 'entry', {}],
      ['cgroups["scalar.service"]', 'entry', 20],
      ['cgroups["../escape"]', 'cgroup', '../escape'],
      ['cgroups["/good.service"]', 'cgroup', '/good.service'],
    ],
  );
  t.is(r.errors[0]!.message, 'slos.yaml: cgroups["neg.service"].budgetMs: invalid value -5: must be a positive number of milliseconds (e.g. 20 or "20ms"), ' +
    'at most 3600000 (1 hour); entry skipped');
  t.regex(r.errors[7]!.message, /same cgroup as cgroups\["good.service"\]/);
});

test('an unusable file is rejected as a whole, naming the problem', (t) => {
  t.throws(() => parseSloConfig('cgroups: [a, b', 'f.yaml'), { message: /^f\.yaml: not valid YAML/ });
  t.throws(() => parseSloConfig('- a\n- b\n', 'f.yaml'), { message: /top level must be a mapping/ });
  t.throws(() => parseSloConfig('slos:\n  a: {budgetMs: 1}\n', 'f.yaml'), { message: /unknown top-level key "slos"/ });
  t.throws(() => parseSloConfig('cgroups: [a]\n', 'f.yaml'), { message: /"cgroups" must be a mapping/ });
  t.throws(() => parseSloConfig('cgroups:\n  a: {budgetMs: 1}\n  a: {budgetMs: 2}\n', 'f.yaml'), { message: /not valid YAML/ });
});

function sandbox(): { dir: string; root: string; file: string; mk: (p: string) => number; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'scx-slo-cfg-'));
  const root = join(dir, 'cgroup');
  const etc = join(dir, 'etc');
  mkdirSync(root);
  mkdirSync(etc);
  return {
    dir,
    root,
    file: join(etc, 'slos.yaml'),
    mk: (p) => {
      mkdirSync(join(root, p), { recursive: true });
      return Number(statSync(join(root, p), { bigint: true }).ino);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test.serial('the source resolves paths to inode ids, retries missing ones, reloads on change and SIGHUP', async (t) => {
  const s = sandbox();
  t.teardown(s.cleanup);
  const nginx = s.mk('system.slice/nginx.service');
  writeFileSync(s.file, 'cgroups:\n  system.slice/nginx.service: { budgetMs: 20, importance: 80 }\n  system.slice/late.service: { budgetMs: 7 }\n  ' +
    'bad.service: { importance: 0 }\n');
  const store = new MemorySloStore();
  const counter = new ConfigErrorCounter();
  const src = startSloConfigFile({ file: s.file, store, cgroupRoot: s.root, configErrors: counter, resolveIntervalMs: 30, log: quiet });
  t.teardown(() => src.stop());
  t.deepEqual([...store.entries()], [[nginx, { budgetNs: 20 * MS, importance: 80 }]]);
  t.like(src.status(), { name: 'config_file', synced: true, entries: 1, unresolved: 1, storeErrors: 0 });
  t.deepEqual(counter.list(), [{ source: 'config_file', field: 'importance', count: 1 }]);
  t.is(src.registry.byCgroupId(nginx)?.cgroupPath, 'system.slice/nginx.service');
  t.is(src.registry.byCgroupId(nginx)?.pod, undefined);

  const late = s.mk('system.slice/late.service');
  await until('late service resolved', () => store.get(late)?.budgetNs === 7 * MS);
  t.is(src.status().unresolved, 0);

  // The file changes: picked up by the directory watch.
  writeFileSync(s.file, 'cgroups:\n  system.slice/nginx.service: { budgetMs: 30 }\n');
  await until('reloaded on change', () => store.get(nginx)?.budgetNs === 30 * MS && store.entries().size === 1);
  t.is(store.get(nginx)?.importance, DEFAULT_IMPORTANCE);
  t.is(src.registry.byCgroupId(late), undefined);

  // A broken file keeps the previous configuration and counts an error.
  src.stop(); // no watch: exercise SIGHUP alone
  const src2 = startSloConfigFile({ file: s.file, store, cgroupRoot: s.root, configErrors: counter, watchFile: false, resolveIntervalMs: 10_000, log: quiet });
  t.teardown(() => src2.stop());
  writeFileSync(s.file, 'cgroups: [oops\n');
  process.emit('SIGHUP', 'SIGHUP');
  t.is(store.get(nginx)?.budgetNs, 30 * MS);
  t.true(counter.list().some((c) => c.field === 'file' && c.count === 1));
  writeFileSync(s.file, 'cgroups:\n  system.slice/nginx.service: { budgetMs: 40 }\n');
  process.emit('SIGHUP', 'SIGHUP');
  t.is(store.get(nginx)?.budgetNs, 40 * MS);

  // A cgroup removed and created again has a new id: the entry follows it. (The old
  // directory is moved aside rather than removed, so its inode number cannot be reused
  // for the new one and the ids are certain to differ.)
  renameSync(join(s.root, 'system.slice/nginx.service'), join(s.root, 'system.slice/nginx.service.old'));
  const again = s.mk('system.slice/nginx.service');
  t.not(again, nginx);
  src2.reconcile();
  t.is(store.get(nginx), undefined);
  t.is(store.get(again)?.budgetNs, 40 * MS);
});

test('a missing file or cgroup root at start is an error', (t) => {
  const s = sandbox();
  t.teardown(s.cleanup);
  t.throws(() => startSloConfigFile({ file: s.file, store: new MemorySloStore(), cgroupRoot: s.root, log: quiet }), { message: /slos\.yaml: cannot read/ });
  writeFileSync(s.file, 'cgroups: {}\n');
  t.throws(() => startSloConfigFile({ file: s.file, store: new MemorySloStore(), cgroupRoot: join(s.dir, 'nope'), log: quiet }),
    { message: /config file: cgroupRoot ".*nope" does not exist/ });
});

test('.inf and .nan budgets are reported as written, not as null', (t) => {
  const r = parseSloConfig('cgroups:\n  a.service: { budgetMs: .inf }\n  b.service: { budgetMs: .nan }\n  c.service: { importance: -.inf }\n', 'slos.yaml');
  t.deepEqual(r.entries, []);
  t.deepEqual(r.errors.map((e) => e.message.replace(/: must be .*/, '')), [
    'slos.yaml: cgroups["a.service"].budgetMs: invalid value .inf',
    'slos.yaml: cgroups["b.service"].budgetMs: invalid value .nan',
    'slos.yaml: cgroups["c.service"].importance: invalid value -.inf',
  ]);
});

test('a file over the size cap is refused with a clear error, and a duplicate key is caught', (t) => {
  const big = `cgroups:\n${'  # padding\n'.repeat(MAX_CONFIG_FILE_BYTES / 11 + 1)}`;
  t.throws(() => parseSloConfig(big, 'slos.yaml'), { message: /^slos\.yaml: \d+ characters, more than the 8388608 bytes allowed for an SLO file$/ });
  for (const text of ['cgroups:\n  a.service: { budgetMs: 1 }\n  a.service: { budgetMs: 2 }\n', 'cgroups:\n  "a.service": { budgetMs: 1 }\n  ' +
    'a.service: { importance: 2 }\n']) {
    t.throws(() => parseSloConfig(text, 'slos.yaml'), { message: /slos\.yaml: not valid YAML: Map keys must be unique \("a\.service" again at line 3\)/ });
  }
});
