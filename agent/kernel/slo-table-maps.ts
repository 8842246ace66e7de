// The kernel side of the SLO table: slo_cfg (cgroup id -> struct slo_cfg, read by the
// scheduler) and slo_cg_stats (SLO cgroup id -> its accounting, written by the
// scheduler). Removing a workload's SLO removes both entries, so a deleted pod's series
// do not live on in /metrics until the LRU map happens to evict them.
import { u64Key, type BpfMap } from '../bpf/bpf-map.js';
import { encodeSloCfg } from './kernel-abi.js';
import type { SloEntry } from '../../policy/api.js';

export interface SloTableMaps {
  cfg: BpfMap;
  cgStats: BpfMap;
}

/** Writes `cgroupId`'s SLO into slo_cfg. */
export function writeSloEntry(maps: SloTableMaps, cgroupId: number, entry: SloEntry): void {
  maps.cfg.update(u64Key(cgroupId), encodeSloCfg(entry));
}

/** Removes `cgroupId`'s SLO and its accounting. */
export function deleteSloEntry(maps: SloTableMaps, cgroupId: number): void {
  maps.cfg.delete(u64Key(cgroupId));
  maps.cgStats.delete(u64Key(cgroupId));
}
