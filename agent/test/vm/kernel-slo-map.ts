// The kernel's slo_cfg map (cgroup id -> SLO) as the BPF side sees it, read with bpftool
// inside the sched_ext guest: the guest checks assert on this, not on the agent's own
// in-memory table (the `status` reply), so an agent that forgets to write the map fails.
// The record layout comes from agent/kernel/kernel-abi.ts (the mirror of bpf/scx_slo.h).
import { execFileSync } from 'node:child_process';
import { SLO_CFG } from '../../kernel/kernel-abi.js';

export interface KernelSlo {
  budgetNs: number;
  importance: number;
}

interface BpftoolMap {
  id: number;
  name?: string;
}

interface BpftoolEntry {
  key?: string[];
  value?: string[];
  formatted?: { key: number; value: { budget_ns: number; importance: number } };
}

function bpftool(args: string[]): unknown {
  return JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }));
}

const bytesOf = (hex: string[]): Buffer => Buffer.from(hex.map((h) => parseInt(h, 16)));

/** Entries of the newest loaded map named slo_cfg; throws when none is loaded. */
export function kernelSloMap(): Map<number, KernelSlo> {
  const ids = (bpftool(['map', 'show']) as BpftoolMap[]).filter((m) => m.name === 'slo_cfg').map((m) => m.id);
  if (ids.length === 0) throw new Error('no BPF map named slo_cfg is loaded');
  const entries = bpftool(['map', 'dump', 'id', String(Math.max(...ids))]) as BpftoolEntry[];
  const out = new Map<number, KernelSlo>();
  for (const e of entries) {
    if (e.key && e.value) {
      const key = bytesOf(e.key);
      const value = bytesOf(e.value);
      out.set(Number(key.readBigUInt64LE(0)), {
        budgetNs: Number(value.readBigUInt64LE(SLO_CFG.offset.budget_ns)),
        importance: value.readUInt32LE(SLO_CFG.offset.importance),
      });
    } else if (e.formatted) {
      out.set(Number(e.formatted.key), { budgetNs: Number(e.formatted.value.budget_ns), importance: Number(e.formatted.value.importance) });
    } else {
      throw new Error(`bpftool map dump: unexpected entry ${JSON.stringify(e)}`);
    }
  }
  return out;
}

/** kernelSloMap(), or an empty map while no slo_cfg map is loaded. */
export function kernelSloMapOrEmpty(): Map<number, KernelSlo> {
  try {
    return kernelSloMap();
  } catch (err) {
    if (/no BPF map named slo_cfg/.test((err as Error).message)) return new Map();
    throw err;
  }
}

/** An entry in words, for a check's detail line. */
export function describeSlo(slo: KernelSlo | undefined): string {
  return slo ? `${slo.budgetNs / 1e6} ms @ ${slo.importance}` : 'absent';
}
