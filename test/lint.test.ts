// The linter over the whole repository (biome.json: no explicit `any` outside the documented
// YAML walkers, the recommended correctness rules): `make test` fails on any finding, a
// warning included, with biome's own report in the failure.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIOME = join(REPO, 'node_modules', '.bin', 'biome');

test('biome lint finds nothing in the repository', (t) => {
  const r = spawnSync(BIOME, ['lint', '--error-on-warnings', '--max-diagnostics=50', '.'], { cwd: REPO, encoding: 'utf8', timeout: 90_000 });
  t.is(r.error, undefined, `biome could not run: ${r.error?.message}`);
  t.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  t.regex(r.stdout + r.stderr, /Checked \d+ files?/);
});
