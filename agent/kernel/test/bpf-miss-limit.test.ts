// The BPF scheduler's per-CPU rate limit of deadline-miss events, natively:
// miss_event_admit() from bpf/slo_miss_limit.bpf.h (the header scx_slo.bpf.c includes)
// run through bpf/test/miss_limit_test.bpf.c once per miss, with the miss's time.
import test from 'ava';
import { BpfObject } from '../../bpf/bpf-object.js';
import { bpfObjectPath } from '../../bpf/test/bpf-fixture.js';

const SECOND = 1_000_000_000n;

/** Runs `admit` for misses at `times` with `perSec`; true for each one let through. */
function admitAll(obj: BpfObject, times: bigint[], perSec: number): boolean[] {
  const args = Buffer.alloc(16);
  return times.map((now) => {
    args.writeBigUInt64LE(now, 0);
    args.writeUInt32LE(perSec, 8);
    const rc = obj.runSyscallProgram('admit', args);
    if (rc !== 0 && rc !== 1) throw new Error(`admit returned ${rc}`);
    return rc === 1;
  });
}

function withObject(fn: (obj: BpfObject) => void): void {
  const obj = BpfObject.open(bpfObjectPath('miss_limit_test'));
  try {
    obj.load();
    fn(obj);
  } finally {
    obj.close();
  }
}

test('many misses: at most the limit per second gets through, the rest is dropped', (t) => {
  withObject((obj) => {
    // 3,000 misses, one per millisecond over three seconds, limit 200 per second.
    const start = 10n * SECOND;
    const times = Array.from({ length: 3000 }, (_, i) => start + BigInt(i) * 1_000_000n);
    const admitted = admitAll(obj, times, 200);
    for (let s = 0; s < 3; s++) {
      const inSecond = admitted.slice(s * 1000, (s + 1) * 1000).filter(Boolean).length;
      t.is(inSecond, 200, `second ${s}`);
    }
    t.is(admitted.filter((a) => !a).length, 2400, 'dropped');
    t.true(admitted.slice(0, 200).every(Boolean), 'the first 200 of a window go out');
  });
});

test('a quiet CPU sends every miss, and a window starts with the first miss after it', (t) => {
  withObject((obj) => {
    const times = [5n, 7n, 9n].map((s) => s * SECOND);
    t.deepEqual(admitAll(obj, times, 1), [true, true, true]);
    // Window from the miss at 20 s: a second one 0.999 s later is over the limit of 1.
    t.deepEqual(admitAll(obj, [20n * SECOND, 21n * SECOND - 1n, 21n * SECOND], 1), [true, false, true]);
  });
});

test('a limit of zero sends no miss events', (t) => {
  withObject((obj) => {
    const admitted = admitAll(obj, Array.from({ length: 50 }, (_, i) => BigInt(i) * 100_000_000n), 0);
    t.false(admitted.some(Boolean));
  });
});
