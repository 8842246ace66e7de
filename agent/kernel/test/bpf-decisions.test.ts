// The BPF scheduler's decision path, natively: apply_decision() and the enqueue
// sequence (bpf/slo_decision.bpf.h, bpf/slo_task_ctx.bpf.h: the headers scx_slo.bpf.c
// includes) driven through bpf/test/decision_test.bpf.c on real tasks' task local
// storage. Decisions are encoded by the agent's own encoder (kernel-abi.ts) and written
// through the real user ring buffer. Stale decisions (an older enqueue, an exited task,
// a reused pid) must be dropped and counted, the current one recorded.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { BpfObject } from '../../bpf/bpf-object.js';
import { u32Key, type BpfMap } from '../../bpf/bpf-map.js';
import { UserRingWriter } from '../../bpf/user-ring-writer.js';
import { bpfObjectPath } from '../../bpf/test/bpf-fixture.js';
import { SLO_CPU_STATS, ClockOrigin, SLO_DECISION_MSG, SLO_MAX_SLICE_NS, encodeDecision } from '../kernel-abi.js';
import type { Decision } from '../../../policy/api.js';

/** enum task_state of bpf/slo_task_ctx.bpf.h. */
const TS_PENDING = 1;
const TS_DECIDED = 2;

/** struct task_probe of decision_test.bpf.c. */
const PROBE_SIZE = 48;
interface Probe {
  found: number;
  seq: number;
  userVtime: number;
  userSlice: number;
  state: number;
}

interface Rig {
  /** New enqueue sequence for `pid`, task marked pending, as the scheduler's enqueue does. */
  enqueue(pid: number): number;
  /** Drops `pid`'s task storage, as its exit does: a new task with that pid starts afresh. */
  forget(pid: number): void;
  inspect(pid: number): Probe;
  /** Writes `decisions` into decisions_urb and drains them through apply_decision(). */
  decide(...decisions: Decision[]): void;
  writeRaw(bytes: Uint8Array): void;
  counters(): { stale: number; bad: number };
  close(): void;
}

function rig(): Rig {
  const obj = BpfObject.open(bpfObjectPath('decision_test'));
  obj.load();
  const writer = new UserRingWriter('decisions_urb', obj.mapFd('decisions_urb'), obj.mapMaxEntries('decisions_urb'));
  const stats: BpfMap = obj.map('test_stats', 4);
  const origin = new ClockOrigin(0n);
  const probe = (prog: string, pid: number): Buffer => {
    const b = Buffer.alloc(PROBE_SIZE);
    b.writeUInt32LE(pid, 0);
    obj.runSyscallProgram(prog, b);
    return b;
  };
  const drain = (): void => {
    obj.runSyscallProgram('drain', null);
  };
  return {
    enqueue(pid) {
      const b = probe('enqueue', pid);
      if (b.readInt32LE(4) !== 1) throw new Error(`enqueue: no task ${pid}`);
      return Number(b.readBigUInt64LE(8));
    },
    forget(pid) {
      if (probe('forget', pid).readInt32LE(4) !== 1) throw new Error(`forget: task ${pid} had no storage`);
    },
    inspect(pid) {
      const b = probe('inspect', pid);
      return {
        found: b.readInt32LE(4), seq: Number(b.readBigUInt64LE(8)), userVtime: Number(b.readBigUInt64LE(16)),
        userSlice: Number(b.readBigUInt64LE(24)), state: b.readUInt32LE(36),
      };
    },
    decide(...decisions) {
      const n = writer.writeBatch(decisions.length, SLO_DECISION_MSG.size, (view, offset, i) => encodeDecision(view, offset, decisions[i]!, origin));
      if (n !== decisions.length) throw new Error(`only ${n} of ${decisions.length} decisions fit`);
      drain();
    },
    writeRaw(bytes) {
      if (!writer.writeRaw(bytes)) throw new Error('user ring full');
      drain();
    },
    counters() {
      const v = stats.lookup(u32Key(0))!;
      return {
        stale: Number(v.readBigUInt64LE(SLO_CPU_STATS.offset.stale_decisions)),
        bad: Number(v.readBigUInt64LE(SLO_CPU_STATS.offset.bad_decisions)),
      };
    },
    close() {
      writer.close();
      obj.close();
    },
  };
}

/** A live task to hang task storage on. */
function sleeper(): ChildProcess & { pid: number } {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('could not start sleep');
  return child as ChildProcess & { pid: number };
}

async function exited(child: ChildProcess): Promise<void> {
  const done = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await done;
}

const decision = (pid: number, seq: number, extra: Partial<Decision> = {}): Decision => ({ pid, seq, vtime: 1_000, sliceNs: 0, ...extra });

test('a decision for the current enqueue is recorded, one for the enqueue before it is stale', async (t) => {
  const r = rig();
  const task = sleeper();
  try {
    const older = r.enqueue(task.pid);
    const current = r.enqueue(task.pid);
    t.true(current > older, `sequence ${older} then ${current}`);
    r.decide(decision(task.pid, older, { vtime: 111 }));
    t.deepEqual(r.counters(), { stale: 1, bad: 0 });
    t.is(r.inspect(task.pid).state, TS_PENDING, 'the stale decision left the task pending');
    r.decide(decision(task.pid, current, { vtime: 777_000, sliceNs: 3_000_000 }));
    t.deepEqual(r.inspect(task.pid), { found: 1, seq: current, userVtime: 777_000, userSlice: 3_000_000, state: TS_DECIDED });
    t.deepEqual(r.counters(), { stale: 1, bad: 0 });
    r.decide(decision(task.pid, current, { vtime: 5 }));
    t.deepEqual(r.counters(), { stale: 2, bad: 0 }, 'a second decision for a decided enqueue is stale');
    t.is(r.inspect(task.pid).userVtime, 777_000, 'and changes nothing');
  } finally {
    await exited(task);
    r.close();
  }
});

test('a decision for an exited task is stale', async (t) => {
  const r = rig();
  const task = sleeper();
  try {
    const seq = r.enqueue(task.pid);
    await exited(task);
    r.decide(decision(task.pid, seq));
    t.deepEqual(r.counters(), { stale: 1, bad: 0 });
  } finally {
    r.close();
  }
});

test('a late decision for an exited task does not land on a new task given the same pid', async (t) => {
  const r = rig();
  const task = sleeper();
  try {
    const old = r.enqueue(task.pid);
    // The task exits (its storage goes) and the pid is handed to a new task, whose
    // storage starts from zero: its first enqueue must not repeat the old sequence.
    r.forget(task.pid);
    t.is(r.inspect(task.pid).found, 0, 'the new task starts with no context');
    const fresh = r.enqueue(task.pid);
    t.not(fresh, old, 'sequences are unique across tasks');
    r.decide(decision(task.pid, old, { vtime: 999 }));
    t.deepEqual(r.counters(), { stale: 1, bad: 0 }, "the old task's decision is stale");
    t.is(r.inspect(task.pid).state, TS_PENDING, 'the new task is still waiting for its own decision');
    r.decide(decision(task.pid, fresh, { vtime: 4242 }));
    t.like(r.inspect(task.pid), { state: TS_DECIDED, userVtime: 4242 });
  } finally {
    await exited(task);
    r.close();
  }
});

test('sequences from different tasks never repeat', async (t) => {
  const r = rig();
  const tasks = [sleeper(), sleeper(), sleeper()];
  try {
    const seqs = tasks.flatMap((task) => [r.enqueue(task.pid), r.enqueue(task.pid)]);
    t.is(new Set(seqs).size, seqs.length, `sequences ${seqs.join(', ')}`);
  } finally {
    await Promise.all(tasks.map(exited));
    r.close();
  }
});

test('a decision for a task that was never handed to userspace is stale', async (t) => {
  const r = rig();
  const task = sleeper();
  try {
    r.decide(decision(task.pid, 1));
    t.deepEqual(r.counters(), { stale: 1, bad: 0 });
    t.is(r.inspect(task.pid).found, 0);
  } finally {
    await exited(task);
    r.close();
  }
});

test('a slice longer than SLO_MAX_SLICE_NS is cut to it', async (t) => {
  const r = rig();
  const task = sleeper();
  try {
    const seq = r.enqueue(task.pid);
    r.decide(decision(task.pid, seq, { sliceNs: 60 * SLO_MAX_SLICE_NS }));
    t.like(r.inspect(task.pid), { state: TS_DECIDED, userSlice: SLO_MAX_SLICE_NS });
    const again = r.enqueue(task.pid);
    r.decide(decision(task.pid, again, { sliceNs: SLO_MAX_SLICE_NS }));
    t.like(r.inspect(task.pid), { state: TS_DECIDED, userSlice: SLO_MAX_SLICE_NS }, 'the cap itself is allowed');
  } finally {
    await exited(task);
    r.close();
  }
});

test('a malformed decision is counted bad and the next one still applies', async (t) => {
  const r = rig();
  const task = sleeper();
  try {
    const seq = r.enqueue(task.pid);
    r.writeRaw(new Uint8Array(12));
    t.deepEqual(r.counters(), { stale: 0, bad: 1 });
    r.decide(decision(task.pid, seq, { vtime: 31 }));
    t.like(r.inspect(task.pid), { state: TS_DECIDED, userVtime: 31 });
  } finally {
    await exited(task);
    r.close();
  }
});
