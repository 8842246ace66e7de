// The delegation loop on real kernel rings (bpf/test/transport_test.bpf.c's SEC("syscall")
// programs stand in for ops.enqueue() and ops.dispatch()): decisions flow and completed
// rounds report progress; a throwing policy (inline or in a worker) and a hung worker are
// counted as faults, stop delegation, get restarted; stop() returns while a worker hangs.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { BpfObject } from '../../bpf/bpf-object.js';
import { RingReader } from '../../bpf/ring-reader.js';
import { UserRingWriter } from '../../bpf/user-ring-writer.js';
import { u32Key } from '../../bpf/bpf-map.js';
import { ClockOrigin } from '../kernel-abi.js';
import { Transport } from '../transport.js';
import { DelegationLoop, type DelegationLoopOptions } from '../delegation-loop.js';
import { InlineRunner, PoolRunner, type PolicyRunner } from '../../policy-runner/runner.js';
import { loadPolicyModule } from '../../../policy/registry.js';
import { bpfObjectPath } from '../../bpf/test/bpf-fixture.js';

const ORIGIN = process.hrtime.bigint();
const FAULTY = fileURLToPath(new URL('../../policy-runner/test/faulty-policy.js', import.meta.url));
const OPTS: DelegationLoopOptions = { batchMax: 1024, batchWindowNs: 0, idleWaitMs: 10, roundDeadlineMs: 300, backoffMinMs: 50, backoffMaxMs: 200 };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, pred: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

interface Rig {
  loop: DelegationLoop;
  progress: number;
  degraded: boolean[];
  logs: string[];
  produce(count: number): void;
  consumed(): number;
  close(): Promise<void>;
}

let nextSeq = 1;

function rig(runner: PolicyRunner, opts: DelegationLoopOptions = OPTS): Rig {
  const obj = BpfObject.open(bpfObjectPath('transport_test'));
  obj.load();
  const reader = new RingReader('tasks_rb', obj.mapFd('tasks_rb'), obj.mapMaxEntries('tasks_rb'));
  const writer = new UserRingWriter('decisions_urb', obj.mapFd('decisions_urb'), obj.mapMaxEntries('decisions_urb'));
  const transport = new Transport(reader, writer, new ClockOrigin(ORIGIN));
  const results = obj.map('transport_results', 4);
  const r: Rig = {
    progress: 0,
    degraded: [],
    logs: [],
    loop: undefined as unknown as DelegationLoop,
    produce(count) {
      const args = Buffer.alloc(24);
      args.writeUInt32LE(count, 0);
      args.writeUInt32LE(5000, 4);
      args.writeBigUInt64LE(BigInt(nextSeq), 8);
      args.writeBigUInt64LE(process.hrtime.bigint(), 16);
      nextSeq += count;
      obj.runSyscallProgram('produce', args);
    },
    consumed() {
      obj.runSyscallProgram('consume', null);
      return Number(results.lookup(u32Key(0))!.readBigUInt64LE(16));
    },
    async close() {
      await r.loop.stop();
      await runner.close();
      reader.close();
      writer.close();
      obj.close();
    },
  };
  r.loop = new DelegationLoop(transport, reader, () => runner, ORIGIN, opts, {
    onProgress: () => r.progress++,
    onDegraded: (d) => r.degraded.push(d),
    log: (line) => r.logs.push(line),
  });
  r.loop.start();
  return r;
}

async function runnerFor(spec: string, workers: number, options: Record<string, string> = {}): Promise<PolicyRunner> {
  const opts = { spec, module: await loadPolicyModule(spec), nrCpus: 2, options, originNs: ORIGIN };
  return workers === 0 ? new InlineRunner(opts) : PoolRunner.start(opts, workers);
}

for (const workers of [0, 1]) {
  const how = workers === 0 ? 'inline' : 'in a worker';

  test(`${how}: decisions reach the user ring and completed rounds report progress`, async (t) => {
    const r = rig(await runnerFor('edf', workers));
    try {
      r.produce(40);
      await waitFor('40 decisions drained', () => r.consumed() >= 40);
      t.is(r.consumed(), 40);
      t.is(r.loop.counters.records, 40);
      t.true(r.progress >= 1, 'progress reported');
      t.is(r.loop.faults.errors + r.loop.faults.timeouts, 0);
    } finally {
      await r.close();
    }
  });

  test(`${how}: a throwing policy is counted, logged, stops delegation and is restarted`, async (t) => {
    const r = rig(await runnerFor(FAULTY, workers, { fault: 'throw', after: '1' }));
    try {
      r.produce(3);
      await waitFor('the first batch decided', () => r.consumed() >= 3);
      r.produce(3);
      await waitFor('a fault', () => r.loop.faults.errors >= 1 && r.loop.faults.restarts >= 1);
      t.true(r.loop.faults.degraded, 'degraded until a call succeeds');
      t.deepEqual(r.degraded.slice(0, 1), [true], 'delegation stopped at once');
      t.regex(r.loop.faults.lastFault ?? '', /error: .*throws on purpose/);
      t.true(r.logs.some((l) => /policy fault #1/.test(l)), r.logs.join('\n'));
      // The restarted policy behaves for one call again: decisions flow, the fault clears.
      await waitFor('back-off over', () => r.degraded.length >= 2);
      const before = r.consumed();
      r.produce(2);
      await waitFor('decisions after the restart', () => r.consumed() >= before + 2);
      await waitFor('the fault cleared', () => !r.loop.faults.degraded);
      t.is(r.loop.faults.timeouts, 0);
    } finally {
      await r.close();
    }
  });
}

test('a hung worker misses the round deadline, is counted and restarted, and stop() does not wait for it', async (t) => {
  const r = rig(await runnerFor(FAULTY, 1, { fault: 'hang', after: '0' }));
  try {
    r.produce(4);
    await waitFor('a timeout', () => r.loop.faults.timeouts >= 1 && r.loop.faults.restarts >= 1);
    t.regex(r.loop.faults.lastFault ?? '', /timeout: .*round deadline \(300 ms\)/);
    t.is(r.consumed(), 0, 'no decision came from the hung policy');
    await waitFor('back-off over', () => r.degraded.length >= 2);
    r.produce(4); // hangs the restarted worker again
    await sleep(100);
  } finally {
    await r.close(); // resolves although the worker is in an endless loop
  }
  t.pass();
});

test('a worker that exits is an error fault and is replaced', async (t) => {
  const r = rig(await runnerFor(FAULTY, 1, { fault: 'exit', after: '0' }));
  try {
    r.produce(2);
    await waitFor('an error fault', () => r.loop.faults.errors >= 1 && r.loop.faults.restarts >= 1);
    t.is(r.loop.faults.timeouts, 0);
  } finally {
    await r.close();
  }
});
