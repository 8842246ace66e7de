// The house's import rules, checked over every TypeScript file of the repository (tests
// included): data flows kernel -> agent -> policy and the simulator replays policies, so
//   - policy/ (what a policy author needs) imports none of agent/, sim/, cli/, bench/, deploy/;
//   - agent/ and sim/ never import each other, nor cli/ (the command sits above both);
//   - nothing outside bench/ imports bench/.
// Each broken rule is reported as "file: imports target (rule)".
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SELF = join(REPO, 'test', 'import-rules.test.ts');
const TOP_FOLDERS = ['agent', 'bench', 'cli', 'deploy', 'policy', 'sim', 'test'];

/** Top-level folders each folder must not import from. */
const FORBIDDEN: Readonly<Record<string, readonly string[]>> = {
  policy: ['agent', 'sim', 'cli', 'bench', 'deploy'],
  agent: ['sim', 'cli', 'bench'],
  sim: ['agent', 'cli', 'bench'],
  cli: ['bench'],
  deploy: ['bench'],
  test: ['bench'],
};

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Relative module specifiers of static imports, re-exports and dynamic import() calls. */
function relativeImports(source: string): string[] {
  const specs: string[] = [];
  const re = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;
  for (const m of source.matchAll(re)) specs.push(m[2]!);
  return specs;
}

/** The broken rules of one file, as sentences. */
function violations(repoRelativeFile: string, source: string): string[] {
  const from = repoRelativeFile.split(/[\\/]/)[0]!;
  const banned = FORBIDDEN[from] ?? [];
  const out: string[] = [];
  for (const spec of relativeImports(source)) {
    const target = normalize(join(dirname(repoRelativeFile), spec));
    const to = target.split(sep)[0]!;
    if (banned.includes(to)) out.push(`${repoRelativeFile}: imports ${target} (${from}/ must not import ${to}/)`);
  }
  return out;
}

test('the rules catch an import that crosses them, static or dynamic', (t) => {
  t.deepEqual(violations('policy/x.ts', "import { a } from '../agent/kernel/kernel-abi.js';"), [
    'policy/x.ts: imports agent/kernel/kernel-abi.js (policy/ must not import agent/)',
  ]);
  t.is(violations('sim/a/b.ts', "const m = await import('../../agent/x.js');").length, 1);
  t.is(violations('agent/x.ts', "export { y } from '../sim/y.js';").length, 1);
  t.is(violations('cli/x.ts', "import '../bench/z.js';").length, 1);
  t.deepEqual(violations('cli/x.ts', "import { a } from '../agent/a.js';\nimport { s } from '../sim/s.js';"), []);
});

test('no file of the repository breaks the import rules', (t) => {
  const broken: string[] = [];
  let files = 0;
  for (const top of TOP_FOLDERS) {
    let list: string[];
    try {
      list = tsFiles(join(REPO, top));
    } catch {
      continue;
    }
    for (const file of list) {
      files++;
      // This file's own examples above are strings that break the rules on purpose.
      if (file === SELF) continue;
      broken.push(...violations(relative(REPO, file), readFileSync(file, 'utf8')));
    }
  }
  t.true(files > 100, `expected the repository's TypeScript files, found ${files}`);
  t.deepEqual(broken, []);
});
