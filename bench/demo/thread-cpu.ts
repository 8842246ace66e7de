// Per-thread CPU accounting of one process from /proc, for the head-to-head's agent
// (where its CPU goes within a cell): each thread's utime + stime from
// /proc/<pid>/task/<tid>/stat and its name from .../comm, sampled before and after the
// cell, and the deltas. The parsers are pure; readThreadCpu() reads /proc.
import { readdirSync, readFileSync } from 'node:fs';

/** One thread's cumulative CPU time at a sample. */
export interface ThreadSample {
  tid: number;
  /** The thread's name (comm: at most 15 bytes; Node names its threads node, libuv-worker, V8Worker, ...). */
  comm: string;
  /** utime + stime, s. */
  cpuSeconds: number;
}

/** One thread's CPU time over an interval (the same shape: a delta). */
export type ThreadCpu = ThreadSample;

/** A thread's share of an interval's wall time (CPU s / wall s: 1 = one CPU throughout). */
export interface ThreadShare {
  tid: number;
  comm: string;
  share: number;
}

/**
 * One /proc/<pid>/task/<tid>/stat (or /proc/<pid>/stat) line: the thread id, comm and
 * utime + stime in clock ticks, or null when it is not such a line. The comm (field 2)
 * sits in parentheses and may itself hold spaces and parentheses, so the fields are
 * counted from the LAST ')': state is field 3, utime field 14, stime field 15.
 */
export function parseTaskStat(line: string): { tid: number; comm: string; ticks: number } | null {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const head = line.slice(0, open).trim();
  const tid = Number(head);
  if (head === '' || !Number.isSafeInteger(tid) || tid < 0) return null;
  const f = line.slice(close + 1).trim().split(/\s+/);
  // f[0] is field 3 (state), so field n is f[n - 3].
  const utime = f[11] === undefined ? Number.NaN : Number(f[11]);
  const stime = f[12] === undefined ? Number.NaN : Number(f[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || utime < 0 || stime < 0) return null;
  return { tid, comm: line.slice(open + 1, close), ticks: utime + stime };
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * Per-thread CPU over an interval: `after` minus `before`, by thread id, sorted by CPU
 * descending (then by tid). A thread not in `before` (started during the interval)
 * counts from 0, as does one whose time went down (its id was reused by a new thread);
 * a thread gone by `after` is not in the result (its time is lost to this accounting,
 * though /proc/<pid>/stat keeps it). The name is the one at `after`.
 */
export function threadCpuDelta(before: readonly ThreadSample[], after: readonly ThreadSample[]): ThreadCpu[] {
  const was = new Map(before.map((t) => [t.tid, t.cpuSeconds]));
  return after
    .map((t) => {
      const b = was.get(t.tid);
      return { tid: t.tid, comm: t.comm, cpuSeconds: round3(b === undefined || b > t.cpuSeconds ? t.cpuSeconds : t.cpuSeconds - b) };
    })
    .sort((x, y) => y.cpuSeconds - x.cpuSeconds || x.tid - y.tid);
}

/** The `n` threads with the most CPU as shares of `wallS` (threads with no CPU left out). */
export function topThreadShares(threads: readonly ThreadCpu[], wallS: number, n: number): ThreadShare[] {
  if (!(wallS > 0)) return [];
  return [...threads]
    .filter((t) => t.cpuSeconds > 0)
    .sort((x, y) => y.cpuSeconds - x.cpuSeconds || x.tid - y.tid)
    .slice(0, n)
    .map((t) => ({ tid: t.tid, comm: t.comm, share: Math.round((t.cpuSeconds / wallS) * 1e4) / 1e4 }));
}

/**
 * Every thread of process `pid` now, from /proc (`clkTck`: the kernel's USER_HZ, 100 on
 * Linux). Threads that end while being read are skipped; no process: an empty list.
 */
export function readThreadCpu(pid: number, clkTck = 100, proc = '/proc'): ThreadSample[] {
  let tids: string[];
  try {
    tids = readdirSync(`${proc}/${pid}/task`);
  } catch {
    return [];
  }
  const out: ThreadSample[] = [];
  for (const tid of tids) {
    try {
      const s = parseTaskStat(readFileSync(`${proc}/${pid}/task/${tid}/stat`, 'utf8'));
      if (!s) continue;
      let comm = s.comm;
      try {
        comm = readFileSync(`${proc}/${pid}/task/${tid}/comm`, 'utf8').replace(/\n$/, '');
      } catch {
        // gone between the two reads: keep stat's name
      }
      out.push({ tid: s.tid, comm, cpuSeconds: s.ticks / clkTck });
    } catch {
      // the thread ended
    }
  }
  return out.sort((a, b) => a.tid - b.tid);
}
