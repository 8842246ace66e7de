// thread-cpu.ts: the agent's per-thread CPU from /proc/<pid>/task/<tid>/stat lines (as
// Linux writes them, comm in parentheses that may hold spaces and ')'), the deltas over
// a cell, the shares of its wall time, and reading a real process's threads.
import test from 'ava';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTaskStat, readThreadCpu, threadCpuDelta, topThreadShares, type ThreadSample } from '../thread-cpu.js';

// The agent's main thread in the guest: utime 1520, stime 310 ticks (fields 14 and 15).
const NODE_MAIN = '1234 (node) S 1201 1201 1201 0 -1 4194560 52311 0 12 0 1520 310 0 0 20 0 11 0 8123 1305870336 10787 18446744073709551615 ' +
  '7655424 52430497 140731955593280 0 0 0 0 16781312 17922 0 0 0 17 1 0 0 0 0 0 112735664 112907360 643993600 140731955599867 ' +
  '140731955600092 140731955600092 140731955601380 0';
const LIBUV = '1240 (libuv-worker) S 1201 1201 1201 0 -1 4194368 9 0 0 0 41 7 0 0 20 0 11 0 8125 1440612352 11427 18446744073709551615 ' +
  '7655424 52430497 140731955593280 0 0 0 512 16781312 17922 1 0 0 -1 0 0 0 0 0 0 112735664 112907360 643993600 140731955599867 ' +
  '140731955600092 140731955600092 140731955601380 0';
// A thread named `a) b (c)`: spaces and parentheses, the state field 'R' right after the last ')'.
const ODD = '77 (a) b (c)) R 1 77 77 0 -1 4194304 0 0 0 0 9 4 0 0 20 0 1 0 100 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0';

test('a stat line gives the thread id, its name and utime plus stime in clock ticks', (t) => {
  t.deepEqual(parseTaskStat(NODE_MAIN), { tid: 1234, comm: 'node', ticks: 1830 });
  t.deepEqual(parseTaskStat(`${LIBUV}\n`), { tid: 1240, comm: 'libuv-worker', ticks: 48 });
});

test('a name with spaces and parentheses is read up to the last parenthesis, and the fields are counted after it', (t) => {
  t.deepEqual(parseTaskStat(ODD), { tid: 77, comm: 'a) b (c)', ticks: 13 });
  t.deepEqual(parseTaskStat('78 ( ) S 1 2 3 4 5 6 7 8 9 10 1 2 0'), { tid: 78, comm: ' ', ticks: 3 });
});

test('what is not a stat line gives null', (t) => {
  t.is(parseTaskStat(''), null);
  t.is(parseTaskStat('1234 node S 1 2 3'), null, 'no parentheses');
  t.is(parseTaskStat('1234 (node) S 1201 1201'), null, 'cut before utime');
  t.is(parseTaskStat('x (node) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14'), null, 'no thread id');
  t.is(parseTaskStat('1234 (node) S 1201 1201 1201 0 -1 4194560 52311 0 12 0 abc 310 0'), null, 'utime not a number');
});

const sample = (tid: number, comm: string, cpuSeconds: number): ThreadSample => ({ tid, comm, cpuSeconds });

test('the deltas count a thread that started during the cell from zero, leave out one that ended, and sort by CPU', (t) => {
  const before = [sample(1234, 'node', 18.3), sample(1240, 'libuv-worker', 0.48), sample(1250, 'V8Worker', 1), sample(1260, 'gone', 5)];
  const after = [sample(1234, 'node', 21.55), sample(1240, 'libuv-worker', 0.5), sample(1250, 'V8Worker', 1), sample(1300, 'scx-slo-policy', 0.7)];
  t.deepEqual(threadCpuDelta(before, after), [
    { tid: 1234, comm: 'node', cpuSeconds: 3.25 },
    { tid: 1300, comm: 'scx-slo-policy', cpuSeconds: 0.7 },
    { tid: 1240, comm: 'libuv-worker', cpuSeconds: 0.02 },
    { tid: 1250, comm: 'V8Worker', cpuSeconds: 0 },
  ]);
});

test('a thread id reused by a new thread (less CPU than before) counts from zero, under the new name', (t) => {
  t.deepEqual(threadCpuDelta([sample(9, 'old', 4)], [sample(9, 'new', 0.3)]), [{ tid: 9, comm: 'new', cpuSeconds: 0.3 }]);
});

test('the shares are thread CPU over the wall time, the busiest first, idle threads left out', (t) => {
  const threads = [sample(2, 'libuv-worker', 0.5), sample(1, 'node', 2.5), sample(3, 'V8Worker', 0), sample(4, 'V8Worker', 0.1)];
  t.deepEqual(topThreadShares(threads, 10, 2), [{ tid: 1, comm: 'node', share: 0.25 }, { tid: 2, comm: 'libuv-worker', share: 0.05 }]);
  t.is(topThreadShares(threads, 10, 9).length, 3);
  t.deepEqual(topThreadShares(threads, 0, 3), []);
});

test('a process directory is read thread by thread, names from comm, ticks into seconds', async (t) => {
  const proc = await mkdtemp(join(tmpdir(), 'scx-slo-proc-'));
  t.teardown(() => rm(proc, { recursive: true, force: true }));
  for (const [tid, line, comm] of [[1234, NODE_MAIN, 'node\n'], [1240, LIBUV, 'libuv-worker\n'], [77, ODD, null]] as const) {
    await mkdir(join(proc, '1234', 'task', String(tid)), { recursive: true });
    await writeFile(join(proc, '1234', 'task', String(tid), 'stat'), `${line}\n`);
    if (comm !== null) await writeFile(join(proc, '1234', 'task', String(tid), 'comm'), comm);
  }
  await mkdir(join(proc, '1234', 'task', '999'));
  t.deepEqual(readThreadCpu(1234, 100, proc), [sample(77, 'a) b (c)', 0.13), sample(1234, 'node', 18.3), sample(1240, 'libuv-worker', 0.48)]);
  t.deepEqual(readThreadCpu(4321, 100, proc), [], 'no such process');
});

test('this process\'s own threads are read from /proc, its main thread among them', (t) => {
  const threads = readThreadCpu(process.pid);
  const main = threads.find((x) => x.tid === process.pid);
  t.truthy(main, JSON.stringify(threads));
  t.true(main!.comm.length > 0);
  t.true(threads.every((x) => Number.isFinite(x.cpuSeconds) && x.cpuSeconds >= 0));
});
