// `scx-slo shadow` on this host: runs a policy on the node's real wake-ups for two seconds,
// prints a report line per interval and a summary with decisions and their latency, and
// exits 0 having detached its programs. Skipped, saying why, when this process may not
// load BPF programs. Bad option values are refused naming the option.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, effectiveCaps } from '../../agent/bpf/test/bpf-fixture.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const caps = effectiveCaps();
const bit = (n: bigint): boolean => ((caps >> n) & 1n) === 1n;
const mayLoadBpf = bit(21n) || (bit(39n) && bit(38n));
if (!mayLoadBpf) console.log('scx-slo shadow test: skipped, this process has neither CAP_SYS_ADMIN nor CAP_BPF+CAP_PERFMON');

(mayLoadBpf ? test : test.skip)('shadow reports decisions of real wake-ups per interval and in a summary, then exits 0', (t) => {
  const r = spawnSync('node', [CLI, 'shadow', '--seconds', '2', '--interval-s', '1', '--workers', '0'], { encoding: 'utf8', timeout: 60_000 });
  t.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.true(lines.length >= 2, r.stdout);
  const summary = lines.pop()!;
  const m =
    /^summary \([\d.]+ s, time\): (\d+) decisions\/s, latency p50 (\d+) us, p99 (\d+) us, max \d+ us; agent CPU \d+ us per 1000 decisions/.exec(summary);
  t.truthy(m, summary);
  t.true(Number(m![1]) > 0, 'decisions were made');
  t.regex(r.stderr, /shadowing policy edf \(inline\) on this node's wake-ups; nothing is scheduled/);
});

(mayLoadBpf ? test : test.skip)('shadow with batched wake-ups still decides the real wake-ups', (t) => {
  const r = spawnSync('node', [CLI, 'shadow', '--seconds', '2', '--interval-s', '1', '--wake-batch', '8', '--wake-after-us', '1000'],
    { encoding: 'utf8', timeout: 60_000 });
  t.is(r.status, 0, r.stderr);
  const m = /^summary \([\d.]+ s, time\): (\d+) decisions\/s/m.exec(r.stdout);
  t.truthy(m, r.stdout);
  t.true(Number(m![1]) > 0, 'decisions were made');
});

test('shadow refuses a bad --wake-batch, naming the option and the value', (t) => {
  const r = spawnSync('node', [CLI, 'shadow', '--wake-batch', '2.5'], { encoding: 'utf8', timeout: 30_000 });
  t.not(r.status, 0);
  t.regex(r.stderr, /--wake-batch: expected an integer, got 2\.5/);
});

test('shadow refuses a bad option value, naming the option and the value', (t) => {
  const r = spawnSync('node', [CLI, 'shadow', '--interval-s', 'soon'], { encoding: 'utf8', timeout: 30_000 });
  t.not(r.status, 0);
  t.regex(r.stderr, /--interval-s: expected a number in 0\.1\.\.3600, got "soon"/);
});
