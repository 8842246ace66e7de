// Batched wake-ups of the agent (bpf/slo_ring_wake.bpf.h) against a real kernel ring
// buffer: the SEC("syscall") programs of bpf/test/ring_wake_test.bpf.c submit records and
// run the overdue check at times the test chooses, and the test watches the reader wake
// through an edge-triggered epoll, as the agent waits with batched wake-ups on; and the
// delegation loop, gathering in the kernel, decides a batch on its wake-up.
import test from 'ava';
import { BpfObject } from '../../bpf/bpf-object.js';
import { RingReader } from '../../bpf/ring-reader.js';
import { UserRingWriter } from '../../bpf/user-ring-writer.js';
import { bpfObjectPath } from '../../bpf/test/bpf-fixture.js';
import { ClockOrigin } from '../kernel-abi.js';
import { DelegationLoop } from '../delegation-loop.js';
import { Transport } from '../transport.js';
import { InlineRunner } from '../../policy-runner/runner.js';
import { loadPolicyModule } from '../../../policy/registry.js';

const BPF_RB_NO_WAKEUP = 1;
const BPF_RB_FORCE_WAKEUP = 2;
const MS = 1_000_000;

interface Rig {
  obj: BpfObject;
  reader: RingReader;
  submit(nowNs: number): number;
  overdue(nowNs: number): number;
  /** Did a wake-up reach the reader since the last look? (edge-triggered: each one is reported once) */
  woken(): boolean;
  drain(): number;
  close(): void;
}

function rig(wakeBatch: number, wakeAfterNs: number): Rig {
  const obj = BpfObject.open(bpfObjectPath('ring_wake_test'));
  obj.load();
  const reader = new RingReader('tasks_rb', obj.mapFd('tasks_rb'), obj.mapMaxEntries('tasks_rb'), true);
  // The epoll set exists before the first record, as in the agent (adding a ring that
  // holds data reports it once, whatever woke it).
  reader.waitForDataBlocking(0);
  let pid = 100;
  const run = (program: string, nowNs: number): number => {
    const args = Buffer.alloc(24);
    args.writeUInt32LE(wakeBatch, 0);
    args.writeUInt32LE(pid++, 4);
    args.writeBigUInt64LE(BigInt(wakeAfterNs), 8);
    args.writeBigUInt64LE(BigInt(nowNs), 16);
    return obj.runSyscallProgram(program, args);
  };
  return {
    obj,
    reader,
    submit: (nowNs) => run('submit', nowNs),
    overdue: (nowNs) => run('overdue', nowNs),
    // The wake-up travels through an irq_work: give it a moment when it is due.
    woken: () => reader.waitForDataBlocking(20),
    drain: () => reader.drain(() => {}),
    close() {
      reader.close();
      obj.close();
    },
  };
}

test('without batching every record into a caught-up ring wakes the reader, as bpf_ringbuf_submit() does', (t) => {
  const r = rig(0, 5 * MS);
  t.teardown(() => r.close());
  t.is(r.submit(1 * MS), 0);
  t.true(r.woken());
  t.is(r.drain(), 1);
  t.is(r.submit(2 * MS), 0);
  t.true(r.woken());
});

test('with a batch of 4 the reader sleeps through 3 records and wakes once at the 4th', (t) => {
  const r = rig(4, 1000 * MS);
  t.teardown(() => r.close());
  for (let i = 1; i <= 3; i++) t.is(r.submit(i * MS), BPF_RB_NO_WAKEUP, `record ${i}`);
  t.false(r.woken());
  t.is(r.submit(4 * MS), BPF_RB_FORCE_WAKEUP);
  t.true(r.woken());
  t.is(r.submit(5 * MS), BPF_RB_NO_WAKEUP, 'one wake-up per batch');
  t.false(r.woken());
  t.is(r.drain(), 5);
  for (let i = 1; i <= 3; i++) t.is(r.submit((5 + i) * MS), BPF_RB_NO_WAKEUP, `after the drain, record ${i}`);
  t.is(r.submit(9 * MS), BPF_RB_FORCE_WAKEUP, 'the next batch wakes it again');
  t.true(r.woken());
});

test('a record that has waited wake_after_ns wakes the reader at the next submission', (t) => {
  const r = rig(100, 2 * MS);
  t.teardown(() => r.close());
  t.is(r.submit(10 * MS), BPF_RB_NO_WAKEUP);
  t.is(r.submit(11 * MS), BPF_RB_NO_WAKEUP);
  t.false(r.woken());
  t.is(r.submit(12 * MS), BPF_RB_FORCE_WAKEUP);
  t.true(r.woken());
});

test('the overdue check wakes the reader for a batch that stopped growing, once per period, and not for an empty ring', (t) => {
  const r = rig(100, 2 * MS);
  t.teardown(() => r.close());
  t.is(r.overdue(50 * MS), 0, 'empty ring');
  t.is(r.submit(100 * MS), BPF_RB_NO_WAKEUP);
  t.is(r.overdue(101 * MS), 0, 'not yet overdue');
  t.false(r.woken());
  t.is(r.overdue(102 * MS), 1);
  t.true(r.woken());
  t.is(r.overdue(103 * MS), 0, 'woken a period ago: not again yet');
  t.is(r.overdue(104 * MS), 1, 'still unread a period later: woken again');
  t.true(r.woken());
  t.is(r.drain(), 1, 'the wake-up itself hands the reader nothing');
  t.is(r.overdue(110 * MS), 0, 'read: nothing to wake for');
  t.false(r.woken());
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('the delegation loop gathering in the kernel sleeps through records that came without a wake-up and decides the batch on it', async (t) => {
  const r = rig(4, 1000 * MS);
  const origin = process.hrtime.bigint();
  const writer = new UserRingWriter('decisions_urb', r.obj.mapFd('decisions_urb'), r.obj.mapMaxEntries('decisions_urb'));
  const runner = new InlineRunner({ spec: 'edf', module: await loadPolicyModule('edf'), nrCpus: 2, options: {}, originNs: origin });
  const loop = new DelegationLoop(new Transport(r.reader, writer, new ClockOrigin(origin)), r.reader, () => runner, origin, {
    batchMax: 1024, batchWindowNs: 0, idleWaitMs: 10_000, roundDeadlineMs: 1000, backoffMinMs: 50, backoffMaxMs: 200, kernelGathers: true,
  }, { onProgress: () => {}, log: () => {} });
  t.teardown(async () => {
    await loop.stop();
    await runner.close();
    writer.close();
    r.close();
  });
  loop.start();
  await sleep(100);
  for (let i = 1; i <= 3; i++) r.submit(i * MS);
  await sleep(300);
  t.is(loop.counters.records, 0, 'no wake-up yet: the loop is still waiting');
  t.true(r.reader.pending() > 0);
  t.is(r.submit(4 * MS), BPF_RB_FORCE_WAKEUP);
  const until = Date.now() + 5000;
  while (loop.counters.records < 4 && Date.now() < until) await sleep(5);
  t.is(loop.counters.records, 4, 'the wake-up ends the wait and the round takes the whole batch');
  t.is(loop.counters.busyRounds, 1);
});
