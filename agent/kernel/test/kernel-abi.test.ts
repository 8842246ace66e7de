// Checks that agent/kernel/kernel-abi.ts and bpf/scx_slo.h describe the same layouts: a C
// program generated from the TypeScript tables is compiled against the header and
// prints every struct's size, every field's offset and size, and every constant.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARED_CONSTANTS, SHARED_STRUCTS, type FieldLayout } from '../kernel-abi.js';

const HEADER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'bpf', 'scx_slo.h');

function fieldBytes(f: FieldLayout): number {
  switch (f.type) {
    case 'u32':
    case 's32':
      return 4;
    case 'u64':
    case 's64':
      return 8;
    case 'u64[]':
      return 8 * (f.length ?? 0);
    case 'char[]':
      return f.length ?? 0;
  }
}

interface CLayout {
  structs: Record<string, { size: number; fields: Record<string, [number, number]> }>;
  constants: Record<string, number>;
}

function compileAndRun(): CLayout {
  const lines = ['#include <stdio.h>', '#include <stddef.h>', `#include "${HEADER}"`, 'int main(void) {', 'printf("{\\"structs\\":{");'];
  Object.entries(SHARED_STRUCTS).forEach(([name, layout], si) => {
    lines.push(`printf("%s\\"${name}\\":{\\"size\\":%zu,\\"fields\\":{", ${si ? '","' : '""'}, sizeof(struct ${name}));`);
    Object.keys(layout.fields).forEach((field, fi) => {
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

for (const [name, layout] of Object.entries(SHARED_STRUCTS)) {
  test(`struct ${name}: size and every field agree with the C header`, (t) => {
    const cs = c.structs[name]!;
    t.is(cs.size, layout.size, 'sizeof');
    for (const [field, f] of Object.entries(layout.fields)) {
      t.deepEqual(cs.fields[field], [f.offset, fieldBytes(f)], `${name}.${field} [offset, size]`);
    }
    // No bytes unaccounted for: the fields tile the struct exactly.
    const covered = Object.values(layout.fields).reduce((sum, f) => sum + fieldBytes(f), 0);
    t.is(covered, layout.size, 'fields cover the whole struct (no hidden padding or extra field)');
  });
}

test('shared constants agree with the C header', (t) => {
  for (const [name, value] of Object.entries(SHARED_CONSTANTS)) t.is(c.constants[name], value, name);
});
