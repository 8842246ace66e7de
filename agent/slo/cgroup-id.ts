// cgroup v2 path -> cgroup id, the number the kernel uses for a cgroup (bpf_get_current_
// cgroup_id(), cgrp->kn->id). On cgroup2 the id is the kernfs node id, which the
// filesystem reports as the directory's inode number on 64-bit kernels, so a stat() of
// the cgroup directory is all it takes. Paths are relative to a configurable cgroup root
// (/sys/fs/cgroup on a host, the host's cgroupfs mounted e.g. at /host/sys/fs/cgroup in a
// container). Used by the Kubernetes pod resolver and the config-file source.
import { existsSync, statSync, statfsSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_CGROUP_ROOT = '/sys/fs/cgroup';
/** statfs f_type of a cgroup v2 mount. */
export const CGROUP2_SUPER_MAGIC = 0x63677270;

/**
 * A cgroup path relative to the root, normalized: no leading or trailing "/", no empty,
 * "." or ".." components. Throws naming the path otherwise.
 */
export function normalizeCgroupPath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) throw new Error(`cgroup path ${JSON.stringify(path)}: empty (the root cgroup cannot have an SLO)`);
  for (const part of parts) {
    if (part === '.' || part === '..') throw new Error(`cgroup path ${JSON.stringify(path)}: "." and ".." are not allowed`);
  }
  return parts.join('/');
}

/**
 * The id of the cgroup at `relPath` under `root`, or undefined when no such directory
 * exists (yet). Throws on other errors (permissions, a non-directory) and on an id that a
 * JavaScript number cannot hold exactly.
 */
export function cgroupIdOf(root: string, relPath: string): number | undefined {
  const dir = join(root, relPath);
  let st;
  try {
    st = statSync(dir, { bigint: true, throwIfNoEntry: false });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return undefined;
    throw err;
  }
  if (st === undefined) return undefined;
  if (!st.isDirectory()) throw new Error(`cgroup ${dir}: not a directory`);
  if (st.ino > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`cgroup ${dir}: id ${st.ino} exceeds 2^53`);
  return Number(st.ino);
}

/** True when `root` is a cgroup v2 mount (false for a plain directory, e.g. in tests). */
export function isCgroup2Mount(root: string): boolean {
  try {
    return statfsSync(root).type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}

/**
 * Checks a configured cgroup root: throws (naming `who` and the path) when it does not
 * exist, warns when it is not a cgroup v2 mount (ids would not be the kernel's).
 */
export function checkCgroupRoot(root: string, who: string, log: Pick<Console, 'warn'>): void {
  if (!existsSync(root)) throw new Error(`${who}: cgroupRoot ${JSON.stringify(root)} does not exist (mount the host's /sys/fs/cgroup there)`);
  if (!isCgroup2Mount(root)) log.warn(`scx-slo: ${who}: cgroupRoot ${root} is not a cgroup v2 mount; cgroup ids found there are not the kernel's`);
}
