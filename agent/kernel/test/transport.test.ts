// The agent's ring transport against real kernel ring buffers on the host kernel (which
// has BPF ring buffers and user ring buffers but not sched_ext), driven by the
// SEC("syscall") programs of bpf/test/transport_test.bpf.c.
import test from 'ava';
import { BpfObject } from '../../bpf/bpf-object.js';
import { RingReader } from '../../bpf/ring-reader.js';
import { UserRingWriter } from '../../bpf/user-ring-writer.js';
import { recordSpan } from '../../bpf/ring-layout.js';
import { u32Key } from '../../bpf/bpf-map.js';
import { ClockOrigin, SLO_DECISION_MSG as DECISION_MSG, SLO_TASK_MSG as TASK_MSG, decodeTaskRecord } from '../kernel-abi.js';
import type { Decision } from '../../../policy/api.js';
import { Transport } from '../transport.js';
import { bpfObjectPath } from '../../bpf/test/bpf-fixture.js';

const ORIGIN_NS = 5_000_000_000_000n;

interface Rig {
  obj: BpfObject;
  reader: RingReader;
  writer: UserRingWriter;
  transport: Transport;
  produce(count: number, firstPid: number, firstSeq: number, enqNs: bigint, program?: 'produce' | 'produce_exits'): void;
  results(): { produced: number; full: number; consumed: number; malformed: number; sumPid: number; sumSeq: number; sumVtime: bigint;
    sumSlice: number; nonzeroPad: number };
}

function rig(): Rig {
  const obj = BpfObject.open(bpfObjectPath('transport_test'));
  obj.load();
  const reader = new RingReader('tasks_rb', obj.mapFd('tasks_rb'), obj.mapMaxEntries('tasks_rb'));
  const writer = new UserRingWriter('decisions_urb', obj.mapFd('decisions_urb'), obj.mapMaxEntries('decisions_urb'));
  const transport = new Transport(reader, writer, new ClockOrigin(ORIGIN_NS));
  const results = obj.map('transport_results', 4);
  return {
    obj, reader, writer, transport,
    produce(count, firstPid, firstSeq, enqNs, program = 'produce') {
      const args = Buffer.alloc(24);
      args.writeUInt32LE(count, 0);
      args.writeUInt32LE(firstPid, 4);
      args.writeBigUInt64LE(BigInt(firstSeq), 8);
      args.writeBigUInt64LE(enqNs, 16);
      obj.runSyscallProgram(program, args);
    },
    results() {
      const v = results.lookup(u32Key(0))!;
      return {
        produced: Number(v.readBigUInt64LE(0)), full: Number(v.readBigUInt64LE(8)),
        consumed: Number(v.readBigUInt64LE(16)), malformed: Number(v.readBigUInt64LE(24)),
        sumPid: Number(v.readBigUInt64LE(32)), sumSeq: Number(v.readBigUInt64LE(40)),
        sumVtime: v.readBigUInt64LE(48), sumSlice: Number(v.readBigUInt64LE(56)), nonzeroPad: Number(v.readBigUInt64LE(64)),
      };
    },
  };
}

function close(r: Rig): void {
  r.reader.close();
  r.writer.close();
  r.obj.close();
}

test('task records written by BPF decode field by field', (t) => {
  const r = rig();
  try {
    r.produce(5, 4000, 77, ORIGIN_NS + 123_456n);
    const records = r.transport.readTasks(100).records;
    t.is(records.length, 5);
    records.forEach((rec, i) => {
      t.deepEqual(rec, {
        pid: 4000 + i, tgid: 4000, cgroupId: 1000 + i, sloCgroupId: 2000 + (i % 3), prevCpu: (i % 4) - 1,
        enqNs: 123_456 + i, deadlineNs: 123_456 + 1_000_000 + i, runtimeNs: i * 1000, weight: 100, flags: 1, seq: 77 + i,
      });
    });
    t.is(r.transport.readTasks(100).records.length, 0, 'the ring is empty after a drain');
  } finally {
    close(r);
  }
});

test('task exits written by BPF arrive beside the task records, in ring order, on both read paths', (t) => {
  const r = rig();
  try {
    r.produce(3, 500, 0, ORIGIN_NS);
    r.produce(2, 500, 0, ORIGIN_NS, 'produce_exits');
    r.produce(1, 900, 3, ORIGIN_NS);
    const batch = r.transport.readTasks(100);
    t.deepEqual(batch.records.map((x) => x.pid), [500, 501, 502, 900]);
    t.deepEqual(batch.exitedPids, [500, 501]);
    r.produce(2, 600, 0, ORIGIN_NS, 'produce_exits');
    r.produce(2, 700, 0, ORIGIN_NS);
    const raw = r.transport.readTaskBytes(100);
    t.is(raw.count, 2);
    t.is(raw.bytes.length, 2 * TASK_MSG.size);
    t.deepEqual(raw.exitedPids, [600, 601]);
    t.is(r.transport.counters.exits, 4);
    t.is(r.transport.counters.records, 6);
    t.is(r.transport.counters.malformed, 0);
  } finally {
    close(r);
  }
});

test('records keep their order across many wrap-arounds of the ring', (t) => {
  const r = rig();
  try {
    const perRound = Math.floor((r.reader.size / recordSpan(TASK_MSG.size)) * 0.7);
    let seq = 0;
    for (let round = 0; round < 12; round++) {
      r.produce(perRound, 100, seq, ORIGIN_NS);
      const got = r.transport.readTasks(Infinity).records;
      t.is(got.length, perRound, `round ${round}`);
      t.true(got.every((rec, i) => rec.seq === seq + i), `round ${round} in order`);
      seq += perRound;
    }
    t.true(seq * recordSpan(TASK_MSG.size) > 8 * r.reader.size, 'wrapped several times');
    t.is(r.results().full, 0);
  } finally {
    close(r);
  }
});

test('a full ring refuses records in the kernel and loses none that were accepted', (t) => {
  const r = rig();
  try {
    const capacity = Math.floor(r.reader.size / recordSpan(TASK_MSG.size));
    r.produce(capacity + 50, 1, 0, ORIGIN_NS);
    const res = r.results();
    t.is(res.produced + res.full, capacity + 50);
    t.true(res.full >= 50, `refused ${res.full}`);
    const got = r.transport.readTasks(Infinity).records;
    t.is(got.length, res.produced);
    t.true(got.every((rec, i) => rec.seq === i));
    r.produce(10, 1, 10_000, ORIGIN_NS);
    t.is(r.transport.readTasks(Infinity).records.length, 10, 'space is released after the drain');
  } finally {
    close(r);
  }
});

test('bounded drains return the rest later, in order', (t) => {
  const r = rig();
  try {
    r.produce(40, 1, 0, ORIGIN_NS);
    const first = r.transport.readTasks(15).records;
    const rest = r.transport.readTasks(Infinity).records;
    t.deepEqual([...first, ...rest].map((x) => x.seq), Array.from({ length: 40 }, (_, i) => i));
  } finally {
    close(r);
  }
});

test('a malformed task record is counted and skipped, the next ones still decode', (t) => {
  const r = rig();
  try {
    r.produce(2, 10, 0, ORIGIN_NS);
    r.obj.runSyscallProgram('produce_odd', null);
    r.produce(2, 20, 2, ORIGIN_NS);
    const got = r.transport.readTasks(Infinity).records;
    t.deepEqual(got.map((x) => x.pid), [10, 11, 20, 21]);
    t.is(r.transport.counters.malformed, 1);
  } finally {
    close(r);
  }
});

test('raw record bytes for a worker hold exactly the records', (t) => {
  const r = rig();
  try {
    r.produce(300, 1, 0, ORIGIN_NS);
    const { bytes, count } = r.transport.readTaskBytes(Infinity);
    t.is(count, Math.min(300, r.results().produced));
    t.is(bytes.length, count * TASK_MSG.size);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    t.is(decodeTaskRecord(view, (count - 1) * TASK_MSG.size, new ClockOrigin(ORIGIN_NS)).pid, count);
  } finally {
    close(r);
  }
});

test('decisions written in a batch reach the kernel intact, across wrap-around', (t) => {
  const r = rig();
  try {
    const perBatch = Math.floor((r.writer.size / recordSpan(DECISION_MSG.size)) * 0.6);
    let expectPid = 0;
    let expectSeq = 0;
    let expectVtime = 0n;
    let expectSlice = 0;
    for (let round = 0; round < 10; round++) {
      const batch: Decision[] = Array.from({ length: perBatch }, (_, i) => ({
        pid: 1000 + i, seq: round * perBatch + i, vtime: 1_000_000 * i + round, sliceNs: 5000 + i,
      }));
      t.is(r.transport.writeDecisions(batch), perBatch);
      for (const d of batch) {
        expectPid += d.pid;
        expectSeq += d.seq;
        expectVtime += ORIGIN_NS + BigInt(d.vtime);
        expectSlice += d.sliceNs;
      }
      r.obj.runSyscallProgram('consume', null);
    }
    const res = r.results();
    t.is(res.consumed, 10 * perBatch);
    t.is(res.malformed, 0);
    t.is(res.sumPid, expectPid);
    t.is(res.sumSeq, expectSeq);
    t.is(res.sumVtime, expectVtime);
    t.is(res.sumSlice, expectSlice);
    t.is(res.nonzeroPad, 0, 'the reserved field is written as 0');
  } finally {
    close(r);
  }
});

test('a full user ring takes what fits and reports the rest as dropped', (t) => {
  const r = rig();
  try {
    const capacity = Math.floor(r.writer.size / recordSpan(DECISION_MSG.size));
    const batch: Decision[] = Array.from({ length: capacity + 20 }, (_, i) => ({ pid: i, seq: i, vtime: i, sliceNs: 0 }));
    t.is(r.transport.writeDecisions(batch), capacity);
    t.is(r.transport.counters.decisionsDropped, 20);
    r.obj.runSyscallProgram('consume', null);
    t.is(r.results().consumed, capacity);
    t.is(r.transport.writeDecisions(batch.slice(0, 5)), 5, 'space is back once the kernel drained');
  } finally {
    close(r);
  }
});

test('a malformed decision is rejected by the kernel side without disturbing the next', (t) => {
  const r = rig();
  try {
    t.true(r.writer.writeRaw(new Uint8Array(12)));
    t.is(r.transport.writeDecisions([{ pid: 7, seq: 9, vtime: 5, sliceNs: 6 }]), 1);
    r.obj.runSyscallProgram('consume', null);
    const res = r.results();
    t.is(res.malformed, 1);
    t.is(res.consumed, 1);
    t.is(res.sumPid, 7);
  } finally {
    close(r);
  }
});
