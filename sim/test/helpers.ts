// Shared helpers of the simulator tests: tiny hand-built workloads, a default model,
// temporary directories, and the path of the recorded kernel-trace fixtures.
import type { ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL, type SimModel } from '../sim-model.js';
import { Op, WorkloadBuilder, type Workload } from '../workload.js';

/** sim/test/fixtures in the source tree (the tests run from dist/sim/test). */
export const FIXTURES = fileURLToPath(new URL('../../../sim/test/fixtures/', import.meta.url));

/** A fresh temporary directory, removed when the test ends. */
export async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'scx-slo-sim-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function model(cpus: number, durationNs: number, overrides: Partial<SimModel> = {}): SimModel {
  return { ...DEFAULT_MODEL, cpus, durationNs, ...overrides };
}

export type Step = ['run' | 'sleep' | 'request', number] | ['done'];

/** A workload from per-task step lists: tasks[i] = { group, start, steps }. */
export function handWorkload(
  cpus: number,
  durationNs: number,
  groups: Array<{ name: string; kind: 'service' | 'batch'; slo: { budgetNs: number; importance: number } | null }>,
  tasks: Array<{ group: number; start?: number; steps: Step[] }>,
): Workload {
  const b = new WorkloadBuilder('hand', 'test', cpus, durationNs);
  groups.forEach((g, i) => b.addGroup({ ...g, cgroupId: 100 + i }));
  tasks.forEach((t, i) => {
    const k = b.addTask({ id: i + 1, group: t.group, startNs: t.start ?? 0 });
    for (const s of t.steps) {
      if (s[0] === 'done') b.op(k, Op.DONE);
      else b.op(k, s[0] === 'run' ? Op.RUN : s[0] === 'sleep' ? Op.SLEEP : Op.REQUEST, s[1]);
    }
  });
  return b.build();
}
