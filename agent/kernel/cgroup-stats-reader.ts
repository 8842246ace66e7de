// Reads the kernel's per-workload accounting, the slo_cg_stats map (struct slo_cg_stats:
// runs, misses, slack, wait per SLO cgroup), into CgroupSloStats. The map holds up to
// 16,384 entries and each costs two syscalls (next key, lookup), about 200 ms for a full
// map: far past the agent's stall bound if done in one go on its event loop. So the
// agent reads it in slices of at most `sliceMs`, yielding to the event loop between
// slices (readCgroupStatsSliced); the decision loop keeps running meanwhile. Entries
// deleted during the walk restart it from the first key (the kernel's rule), so the walk
// is bounded by `maxVisits` and keeps the first value read for each key.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { BpfMap } from '../bpf/bpf-map.js';
import { decodeCgStats } from './kernel-abi.js';
import type { CgroupSloStats } from './scheduler-stats.js';

export interface SlicedReadOptions {
  /** Longest stretch on the event loop, ms (default 2). */
  sliceMs?: number;
  /** Most keys visited before giving up on a map that keeps changing (default 65,536). */
  maxVisits?: number;
}

/** The whole map, read in slices with the event loop free in between. */
export async function readCgroupStatsSliced(map: BpfMap, options: SlicedReadOptions = {}): Promise<Map<number, CgroupSloStats>> {
  const sliceMs = options.sliceMs ?? 2;
  const maxVisits = options.maxVisits ?? 65_536;
  const out = new Map<number, CgroupSloStats>();
  const value = Buffer.alloc(map.bufferSize);
  let prev: Buffer | null = null;
  let visits = 0;
  let sliceStart = performance.now();
  for (;;) {
    const next = Buffer.alloc(map.keySize);
    if (!map.nextKey(prev, next) || ++visits > maxVisits) break;
    prev = next;
    const id = Number(next.readBigUInt64LE(0));
    if (!out.has(id) && map.lookup(next, value)) out.set(id, decodeCgStats(value));
    if (performance.now() - sliceStart >= sliceMs) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
  return out;
}

/** The whole map in one go (for callers off the agent's event loop, and `status`). */
export function readCgroupStats(map: BpfMap): Map<number, CgroupSloStats> {
  const out = new Map<number, CgroupSloStats>();
  const value = Buffer.alloc(map.bufferSize);
  for (const key of map.keys()) {
    if (map.lookup(key, value)) out.set(Number(key.readBigUInt64LE(0)), decodeCgStats(value));
  }
  return out;
}
