// A short smoke run of `make bench-delegation` (bench/delegation.ts) in CI: the shadow
// programs load on this kernel and attach to the real scheduler tracepoints, the real
// delegation loop decides the host's wake-ups (woken at the first task, and with batched
// wake-ups), and the programs' histogram times those decisions. It checks that decisions flowed and were counted, not how fast (timings
// live in the benchmark's output, never in tests). Skipped, saying why, when this
// process may not load BPF programs.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, effectiveCaps } from '../../agent/bpf/test/bpf-fixture.js';

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;
const caps = effectiveCaps();
const has = (bit: bigint): boolean => ((caps >> bit) & 1n) === 1n;
const mayLoadBpf = has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON));

interface Cell {
  cell: string;
  decisionsPerSec: number;
  timed: number;
  p99Us: number;
  roundsPerSec: number;
}

const smoke = mayLoadBpf ? test : test.skip;
if (!mayLoadBpf) console.log('bench-delegation smoke: skipped, this process has neither CAP_SYS_ADMIN nor CAP_BPF+CAP_PERFMON to load BPF programs');

smoke('two-second shadow runs, woken at the first task and in batches, decide real wake-ups and the histogram counts the decisions', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'scx-slo-bench-delegation-'));
  try {
    const json = join(dir, 'out.json');
    const out = execFileSync('node', [
      join(REPO_ROOT, 'dist', 'bench', 'delegation.js'), '--seconds', '2', '--rounds', '1',
      '--cells', 'idle-inline,idle-inline-wake8-after1000us', '--json', json,
    ], { encoding: 'utf8', timeout: 60_000 });
    t.regex(out.trimEnd().split('\n').pop() ?? '', /^bench-delegation: decision p99 \d+ us, \d+ us CPU per 1000 decisions$/);
    const { cells } = JSON.parse(readFileSync(json, 'utf8')) as { cells: Cell[] };
    t.deepEqual(cells.map((c) => c.cell), ['idle-inline', 'idle-inline-wake8-after1000us']);
    for (const c of cells) {
      t.true(c.decisionsPerSec > 0, `${c.cell}: the loop decided records sent by the shadow programs`);
      t.true(c.timed > 0, `${c.cell}: the histogram timed decisions drained by the shadow programs`);
      t.true(c.roundsPerSec > 0, c.cell);
      t.true(c.p99Us > 0, c.cell);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
