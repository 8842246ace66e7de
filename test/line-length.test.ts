// Lines of the repository's TypeScript are at most 160 characters: every .ts file under
// cli/, agent/, policy/, sim/, bench/, deploy/ and test/ (node_modules, dist, .cache and
// .d.ts files skipped) is read, and each longer line is reported as "file:line (N chars)".
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOP_FOLDERS = ['cli', 'agent', 'policy', 'sim', 'bench', 'deploy', 'test'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.cache']);
const MAX_LINE = 160;

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The lines of one file longer than MAX_LINE, as "file:line (N chars)". */
function longLines(file: string, source: string): string[] {
  const out: string[] = [];
  source.split(/\r?\n/).forEach((line, i) => {
    if (line.length > MAX_LINE) out.push(`${file}:${i + 1} (${line.length} chars)`);
  });
  return out;
}

test('the checker reports a line longer than 160 characters with its file, line number and length', (t) => {
  const source = ['const short = 1;', `const long = '${'x'.repeat(200)}';`, 'x'.repeat(MAX_LINE)].join('\n');
  t.deepEqual(longLines('a.ts', source), ['a.ts:2 (216 chars)']);
});

test('no line of the repository TypeScript is longer than 160 characters', (t) => {
  const files = TOP_FOLDERS.flatMap((folder) => tsFiles(join(REPO, folder)));
  t.true(files.length > 0, 'no TypeScript file found');
  const offenders = files.flatMap((file) => longLines(relative(REPO, file), readFileSync(file, 'utf8')));
  t.deepEqual(offenders, [], `lines longer than ${MAX_LINE} characters:\n${offenders.join('\n')}`);
});
