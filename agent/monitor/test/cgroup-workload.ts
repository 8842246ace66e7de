// Test helper: a throw-away cgroup v2 directory with a real workload in it (stress-ng
// CPU hogs, more than there are CPUs, plus sleepers that wake up all the time), and its
// cleanup: every process in it killed, the directory removed, even when a test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseCgroupMounts } from '../monitor-check.js';

/** The cgroup v2 mount point, or a reason why there is no usable one. */
export function cgroup2Root(): { root: string } | { error: string } {
  const { cgroup2 } = parseCgroupMounts(readFileSync('/proc/self/mounts', 'utf8'));
  if (!cgroup2) return { error: 'no cgroup v2 hierarchy is mounted on this host' };
  if (!existsSync(join(cgroup2, 'cgroup.procs'))) return { error: `${cgroup2} has no cgroup.procs` };
  return { root: cgroup2 };
}

export interface CgroupWorkload {
  dir: string;
  /** cgroup v2 id: the directory's inode number. */
  id: number;
  child: ChildProcess;
  /** PIDs in the cgroup now. */
  pids(): number[];
  /** Kills everything in the cgroup and removes it; idempotent. */
  cleanup(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Creates `<cgroup2 root>/<name>` and starts in it stress-ng with `hogsPerCpu` (2) CPU
 * hogs per CPU and `sleepers` (1) sleep workers (stress-ng --sleep, 8 threads each doing
 * sleeps of 1 us to 0.1 s, so many wake-ups; 0: none). The shell moves itself into the
 * cgroup before exec'ing stress-ng, so every worker starts there. stress-ng's own
 * --timeout bounds it if cleanup never runs.
 */
export async function startCgroupWorkload(name: string, opts: { hogsPerCpu?: number; sleepers?: number } = {}): Promise<CgroupWorkload> {
  const found = cgroup2Root();
  if ('error' in found) throw new Error(found.error);
  const dir = join(found.root, name);
  mkdirSync(dir);
  const id = Number(statSync(dir, { bigint: true }).ino);
  const hogs = (opts.hogsPerCpu ?? 2) * availableParallelism();
  const sleepers = opts.sleepers ?? 1;
  const sleeperArgs = sleepers > 0 ? ` --sleep ${sleepers} --sleep-max 8` : '';
  const script = `echo $$ > '${join(dir, 'cgroup.procs')}' && exec stress-ng --quiet --timeout 60s --cpu ${hogs}${sleeperArgs}`;
  const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));

  const pids = (): number[] => {
    try {
      return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    child.kill('SIGKILL');
    if (!existsSync(dir)) return;
    const killFile = join(dir, 'cgroup.kill');
    for (let i = 0; i < 100 && pids().length > 0; i++) {
      if (existsSync(killFile)) writeFileSync(killFile, '1');
      else for (const pid of pids()) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      await sleep(20);
    }
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(dir);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        await sleep(20);
      }
    }
    throw new Error(`could not remove ${dir} (still holds pids ${pids().join(', ')})`);
  };

  // Wait until the workers are running in the cgroup (the shell, stress-ng and workers).
  for (let i = 0; i < 100 && pids().length < hogs + 1; i++) {
    if (child.exitCode !== null) break;
    await sleep(20);
  }
  if (pids().length < hogs + 1) {
    await cleanup();
    throw new Error(`the workload did not start in ${dir} (exit ${child.exitCode}): ${stderr.trim()}`);
  }
  return { dir, id, child, pids, cleanup };
}
