// Checks that agent/kernel/kernel-abi.ts and bpf/scx_slo.h describe the same layouts: a C
// program generated from the TypeScript tables is compiled against the header and
// prints every struct's size, every field's offset and size, and every constant.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARED_CONSTANTS, SHARED_STRUCTS } from '../kernel-abi.js';

const HEADER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'bpf', 'scx_slo.h');

interface CLayout {
  structs: Record<string, { size: number; fields: Record<string, [number, number]> }>;
  constants: Record<string, number>;
}

function compileAndRun(): CLayout {
  const lines = ['#include <stdio.h>', '#include <stddef.h>', `#include "${HEADER}"`, 'int main(void) {', 'printf("{\\"structs\\":{");'];
  SHARED_STRUCTS.forEach(({ cName: name, fields }, si) => {
    lines.push(`printf("%s\\"${name}\\":{\\"size\\":%zu,\\"fields\\":{", ${si ? '","' : '""'}, sizeof(struct ${name}));`);
    fields.forEach(({ name: field }, fi) => {
      lines.push(`printf("%s\\"${field}\\":[%zu,%zu]", ${fi ? '","' : '""'}, offsetof(struct ${name}, ${field}), sizeof(((struct ${name} *)0)->${field}));`);
    });
    lines.push('printf("}}");');
  });
  lines.push('printf("},\\"constants\\":{");');
  Object.keys(SHARED_CONSTANTS).forEach((name, i) => {
    lines.push(`printf("%s\\"${name}\\":%lld", ${i ? '","' : '""'}, (long long)(${name}));`);
  });
  lines.push('printf("}}\\n");', 'return 0; }');
  const dir = mkdtempSync(join(tmpdir(), 'scx-slo-abi-'));
  try {
    writeFileSync(join(dir, 'abi.c'), lines.join('\n'));
    execFileSync('cc', ['-std=c11', '-Wall', '-Werror', '-o', join(dir, 'abi'), join(dir, 'abi.c')]);
    return JSON.parse(execFileSync(join(dir, 'abi'), { encoding: 'utf8' })) as CLayout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const c = compileAndRun();

for (const layout of SHARED_STRUCTS) {
  test(`struct ${layout.cName}: size and every field agree with the C header`, (t) => {
    const cs = c.structs[layout.cName]!;
    t.is(cs.size, layout.size, 'sizeof');
    for (const f of layout.fields) t.deepEqual(cs.fields[f.name], [f.offset, f.bytes], `${layout.cName}.${f.name} [offset, size]`);
    // No bytes unaccounted for: the fields tile the struct exactly.
    const covered = layout.fields.reduce((sum, f) => sum + f.bytes, 0);
    t.is(covered, layout.size, 'fields cover the whole struct (no hidden padding or extra field)');
  });
}

test('shared constants agree with the C header', (t) => {
  for (const [name, value] of Object.entries(SHARED_CONSTANTS)) t.is(c.constants[name], value, name);
});

test('every struct the header declares is mirrored, and nothing else', (t) => {
  const declared = [...readFileSync(HEADER, 'utf8').matchAll(/^struct (\w+) \{/gm)].map((m) => m[1]!).sort();
  t.deepEqual(SHARED_STRUCTS.map((s) => s.cName).sort(), declared);
});
