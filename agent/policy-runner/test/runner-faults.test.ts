// How the policy runners fail and recover: a throwing policy rejects the call (inline and
// in a worker), a worker that exits or hangs rejects or can be abandoned and restarted,
// a policy that cannot be loaded fails the pool's start with its reason, and a restart
// brings back a working policy with the SLO table it had.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { SLO_DECISION_MSG, SLO_TASK_MSG } from '../../kernel/kernel-abi.js';
import { InlineRunner, PoolRunner, type RunnerOptions } from '../runner.js';
import { loadPolicyModule } from '../../../policy/registry.js';

const ORIGIN = 7_000_000_000_000n;
const FAULTY = fileURLToPath(new URL('./faulty-policy.js', import.meta.url));
const LOAD_FAILING = fileURLToPath(new URL('./load-failing-policy.js', import.meta.url));

function taskBytes(count: number): Uint8Array {
  const bytes = new Uint8Array(count * SLO_TASK_MSG.size);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) {
    const o = i * SLO_TASK_MSG.size;
    view.setUint32(o, 100 + i, true);
    view.setUint32(o + 4, 100, true);
    view.setBigUint64(o + 16, BigInt(10 + (i % 2)), true);
    view.setBigUint64(o + 24, ORIGIN + BigInt(i * 1000), true);
    view.setBigUint64(o + 40, BigInt(i + 1), true);
    view.setUint32(o + 60, 100, true);
  }
  return bytes;
}

async function options(spec: string, opts: Record<string, string> = {}): Promise<RunnerOptions> {
  return { spec, module: await loadPolicyModule(spec), nrCpus: 2, options: opts, originNs: ORIGIN };
}

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> =>
  Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);

test('an inline policy that throws rejects the call, and restart() gives a fresh instance', async (t) => {
  const runner = new InlineRunner(await options(FAULTY, { fault: 'throw', after: '1' }));
  t.is((await runner.decideBytes(taskBytes(4), 4, [], 0)).count, 4, 'the first call behaves');
  await t.throwsAsync(runner.decideBytes(taskBytes(4), 4, [], 1), { message: /throws on purpose/ });
  await runner.restart();
  t.is((await runner.decideBytes(taskBytes(3), 3, [], 2)).count, 3, 'a fresh instance behaves again');
});

test('a worker whose policy throws rejects the call with the error; restart() recovers', async (t) => {
  const pool = await PoolRunner.start(await options(FAULTY, { fault: 'throw', after: '1' }), 1);
  try {
    t.is((await pool.decideBytes(taskBytes(4), 4, [], 0)).count, 4);
    await t.throwsAsync(pool.decideBytes(taskBytes(4), 4, [], 1), { message: /throws on purpose/ });
    await pool.restart();
    t.is((await pool.decideBytes(taskBytes(2), 2, [], 2)).count, 2);
  } finally {
    await pool.close();
  }
});

test('a worker that exits mid-call rejects the call; restart() brings a working worker', async (t) => {
  const pool = await PoolRunner.start(await options(FAULTY, { fault: 'exit', after: '1' }), 1);
  try {
    t.is((await pool.decideBytes(taskBytes(4), 4, [], 0)).count, 4);
    await t.throwsAsync(pool.decideBytes(taskBytes(4), 4, [], 1));
    await pool.restart();
    t.is((await pool.decideBytes(taskBytes(5), 5, [], 2)).count, 5);
  } finally {
    await pool.close();
  }
});

test('a hung worker never answers, and restart() terminates it and starts a working one', async (t) => {
  const pool = await PoolRunner.start(await options(FAULTY, { fault: 'hang', after: '1' }), 1);
  try {
    t.is((await pool.decideBytes(taskBytes(4), 4, [], 0)).count, 4);
    const hung = pool.decideBytes(taskBytes(4), 4, [], 1);
    hung.catch(() => {});
    t.is(await within(hung, 300), 'timeout', 'the call does not return');
    await pool.restart();
    await t.throwsAsync(hung, undefined, 'the abandoned call is rejected (its worker was terminated)');
    t.is((await pool.decideBytes(taskBytes(2), 2, [], 2)).count, 2);
  } finally {
    await pool.close();
  }
});

test('a pool whose policy cannot be loaded fails to start, naming the policy and the reason', async (t) => {
  const opts = { spec: LOAD_FAILING, module: (await loadPolicyModule('fifo')), nrCpus: 2, options: {}, originNs: ORIGIN };
  await t.throwsAsync(PoolRunner.start(opts, 1), { message: /load-failing-policy\.js.*(refusing to load on purpose)/s });
});

test('a restarted worker keeps the SLO table: its decisions equal a fresh runner with the same SLOs', async (t) => {
  const pool = await PoolRunner.start(await options('edf'), 1);
  const fresh = await PoolRunner.start(await options('edf'), 1);
  try {
    for (const r of [pool, fresh]) {
      r.setSlo(10, { budgetNs: 2_000_000, importance: 95 });
      r.setSlo(11, { budgetNs: 900_000_000, importance: 5 });
    }
    await pool.restart();
    const a = await pool.decideBytes(taskBytes(8), 8, [], 0);
    const b = await fresh.decideBytes(taskBytes(8), 8, [], 0);
    t.is(a.count, 8);
    t.deepEqual(Buffer.from(a.bytes), Buffer.from(b.bytes));
    t.is(a.bytes.length, 8 * SLO_DECISION_MSG.size);
  } finally {
    await pool.close();
    await fresh.close();
  }
});
