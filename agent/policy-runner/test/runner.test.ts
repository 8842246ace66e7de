// A policy behaves identically inline and inside a piscina worker: the same batches give
// byte-identical decisions, including after SLO changes, task exits and a policy swap;
// exits reach the policy on every path.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { ClockOrigin, SLO_DECISION_MSG as DECISION_MSG, SLO_TASK_MSG as TASK_MSG, decodeDecision, encodeTaskRecord } from '../../kernel/kernel-abi.js';
import { InlineRunner, PoolRunner, type PolicyRunner } from '../runner.js';
import { loadPolicyModule } from '../../../policy/registry.js';

const ORIGIN = 7_000_000_000_000n;
const origin = new ClockOrigin(ORIGIN);

/** Encodes synthetic slo_task_msg records the way the kernel would. */
function taskBytes(count: number, round: number): Uint8Array {
  const bytes = new Uint8Array(count * TASK_MSG.size);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) {
    const pid = 100 + ((i * 7 + round) % 50);
    const enqNs = round * 1_000_000 + i * 137;
    encodeTaskRecord(view, i * TASK_MSG.size, {
      pid, tgid: pid, cgroupId: 10 + (i % 4), sloCgroupId: i % 3 === 0 ? 0 : 10 + (i % 4), prevCpu: i % 2, enqNs,
      deadlineNs: enqNs + 1_000_000 * (1 + (i % 5)), runtimeNs: (round + 1) * (i + 1) * 10_000, weight: 100 + (i % 3) * 50,
      flags: 1, seq: round * 1000 + i,
    }, origin);
  }
  return bytes;
}

async function script(runner: PolicyRunner): Promise<Uint8Array[]> {
  const outputs: Uint8Array[] = [];
  runner.setSlo(11, { budgetNs: 5_000_000, importance: 95 });
  runner.setSlo(12, { budgetNs: 400_000_000, importance: 5 });
  for (let round = 0; round < 6; round++) {
    if (round === 3) runner.setSlo(12, undefined);
    const res = await runner.decideBytes(taskBytes(64, round), 64, [], round * 1_000_000);
    outputs.push(res.bytes);
  }
  await runner.swap('fair', 6_000_000);
  for (let round = 6; round < 9; round++) {
    // Some tasks exit, and their pids come back as new tasks: fair must start them afresh.
    const exited = round === 7 ? [100, 101, 102, 103, 104, 105] : [];
    outputs.push((await runner.decideBytes(taskBytes(32, round), 32, exited, round * 1_000_000)).bytes);
  }
  return outputs;
}

for (const spec of ['edf', 'fair', 'fifo']) {
  test(`${spec}: worker decisions equal inline decisions byte for byte`, async (t) => {
    const opts = { spec, module: await loadPolicyModule(spec), nrCpus: 4, options: {}, originNs: ORIGIN };
    const inline = new InlineRunner(opts);
    const pool = await PoolRunner.start(opts, 1);
    try {
      const a = await script(inline);
      const b = await script(pool);
      t.is(a.length, b.length);
      a.forEach((bytes, i) => t.deepEqual(Buffer.from(b[i]!), Buffer.from(bytes), `batch ${i}`));
      t.true(a.every((bytes) => bytes.length > 0 && bytes.length % DECISION_MSG.size === 0));
      t.is(pool.spec, 'fair');
      t.false(pool.urgentInKernel);
    } finally {
      await pool.close();
    }
  });
}

/** Decisions of one batch keyed by seq (in seq order), each as the bytes of its slo_decision_msg. */
async function decisionsBySeq(runner: PolicyRunner, count: number, round: number): Promise<Map<number, string>> {
  const res = await runner.decideBytes(taskBytes(count, round), count, [], round * 1_000_000);
  const view = new DataView(res.bytes.buffer, res.bytes.byteOffset, res.bytes.byteLength);
  const out = new Map<number, string>();
  for (let i = 0; i < res.count; i++) {
    const o = i * DECISION_MSG.size;
    out.set(decodeDecision(view, o, origin).seq, Buffer.from(res.bytes.subarray(o, o + DECISION_MSG.size)).toString('hex'));
  }
  return new Map([...out].sort(([x], [y]) => x - y));
}

test('a sharded pool decides every record as the inline runner does, with the SLOs sent to each shard', async (t) => {
  // A policy that reads the SLO table: the built-in ones order by the record's kernel deadline.
  const spec = fileURLToPath(new URL('./slo-budget-policy.js', import.meta.url));
  const opts = { spec, module: await loadPolicyModule(spec), nrCpus: 4, options: {}, originNs: ORIGIN };
  const withSlos = new InlineRunner(opts);
  const withoutSlos = new InlineRunner(opts);
  const pool = await PoolRunner.start(opts, 2);
  try {
    // Records carry SLO cgroups 0 and 10..13: 11 and 12 get SLOs, in every runner but one.
    for (const r of [withSlos, pool]) {
      r.setSlo(11, { budgetNs: 5_000_000, importance: 95 });
      r.setSlo(12, { budgetNs: 400_000_000, importance: 5 });
    }
    const expected = await decisionsBySeq(withSlos, 100, 1);
    const sharded = await decisionsBySeq(pool, 100, 1);
    t.is(expected.size, 100);
    t.deepEqual([...sharded.keys()].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => 1000 + i), 'one decision per record');
    t.deepEqual(sharded, expected, 'same decision bytes per record as inline with the same SLOs');
    // The SLOs change the answer, so the equality above needs them in the shards.
    const unconfigured = await decisionsBySeq(withoutSlos, 100, 1);
    const differing = [...expected].filter(([seq, bytes]) => unconfigured.get(seq) !== bytes).length;
    t.true(differing >= 30, `${differing} of 100 decisions depend on the SLOs of cgroups 11 and 12`);
    // An SLO removed later reaches the shards too.
    for (const r of [withSlos, pool]) r.setSlo(12, undefined);
    t.deepEqual(await decisionsBySeq(pool, 100, 2), await decisionsBySeq(withSlos, 100, 2), 'after removing the SLO of cgroup 12');
  } finally {
    await pool.close();
  }
});

test('a pool refuses a nonsensical worker count', async (t) => {
  const opts = { spec: 'edf', module: await loadPolicyModule('edf'), nrCpus: 4, options: {}, originNs: ORIGIN };
  await t.throwsAsync(PoolRunner.start(opts, 0), { message: /workers: expected/ });
});

test('task exits reach the policy inline, in a worker and in every shard of a pool', async (t) => {
  const spec = new URL('./exit-counter-policy.js', import.meta.url).pathname;
  const opts = { spec, module: await loadPolicyModule(spec), nrCpus: 4, options: {}, originNs: ORIGIN };
  const runners: PolicyRunner[] = [new InlineRunner(opts), await PoolRunner.start(opts, 1), await PoolRunner.start(opts, 3)];
  try {
    for (const runner of runners) {
      // Exits alone (no records) are delivered too; then a batch shows the count.
      t.is((await runner.decideBytes(new Uint8Array(0), 0, [7, 8], 0)).count, 0);
      const res = await runner.decideBytes(taskBytes(30, 0), 30, [9], 0);
      const view = new DataView(res.bytes.buffer, res.bytes.byteOffset, res.bytes.byteLength);
      const vtimes = Array.from({ length: res.count }, (_, i) => decodeDecision(view, i * DECISION_MSG.size, origin).vtime);
      t.is(vtimes.length, 30);
      t.true(vtimes.every((v) => v === 3), `every shard heard 3 exits: ${[...new Set(vtimes)].join(', ')}`);
      const inline = await runner.decide([], [10], 0);
      t.deepEqual(inline, []);
    }
  } finally {
    for (const r of runners) await r.close();
  }
});
