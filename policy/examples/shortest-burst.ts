// A worked example of a policy in one file (policy/README.md walks through it):
// "shortest burst first". A task that ran only briefly before it blocked or was put back
// (an interactive thread) goes ahead of one that ran long (a CPU hog), the classic
// approximation of shortest-job-first. It keeps a little state per task (the CPU time
// seen at its previous enqueue), so it forgets a task when the host reports its exit.
// Built to dist/policy/examples/shortest-burst.js; run it with
//   scx-slo sim --scenario noisy-neighbour --policy ./dist/policy/examples/shortest-burst.js
//   scx-slo run --policy ./dist/policy/examples/shortest-burst.js
import {
  POLICY_API_VERSION, type Decision, type Policy, type PolicyContext, type PolicyModule, type TaskRecord,
} from 'scx-slo/policy';

/** How long a task may run once picked: 2 ms unless `--policy-opt slice-us=N`. */
const DEFAULT_SLICE_NS = 2_000_000;

class ShortestBurst implements Policy {
  /** pid -> the task's CPU time (runtimeNs) when it was last enqueued. */
  private readonly lastRuntime = new Map<number, number>();
  /** Tasks waiting for a decision, with their burst: the CPU time used since last time. */
  private waiting: Array<{ task: TaskRecord; burstNs: number }> = [];
  private readonly sliceNs: number;

  constructor(ctx: PolicyContext) {
    const raw = ctx.options['slice-us'];
    const us = raw === undefined ? DEFAULT_SLICE_NS / 1000 : Number(raw);
    if (!Number.isFinite(us) || us <= 0) throw new RangeError(`policy option slice-us: expected microseconds > 0, got ${JSON.stringify(raw)}`);
    this.sliceNs = Math.round(us * 1000);
  }

  enqueue(task: TaskRecord): void {
    const before = this.lastRuntime.get(task.pid) ?? task.runtimeNs;
    this.lastRuntime.set(task.pid, task.runtimeNs);
    this.waiting.push({ task, burstNs: task.runtimeNs - before });
  }

  dispatch(nowNs: number, max: number): Decision[] {
    // Shortest burst first; equal bursts by the kernel's SLO deadline, then arrival.
    this.waiting.sort((a, b) => a.burstNs - b.burstNs || a.task.deadlineNs - b.task.deadlineNs || a.task.seq - b.task.seq);
    const picked = this.waiting.slice(0, max);
    this.waiting = this.waiting.slice(picked.length);
    // The kernel runs decided tasks in ascending vtime: number them in our order from now,
    // so they also stay behind the ones decided in earlier rounds.
    return picked.map(({ task }, i) => ({ pid: task.pid, seq: task.seq, vtime: nowNs + i, sliceNs: this.sliceNs }));
  }

  get queued(): number {
    return this.waiting.length;
  }

  taskExited(pid: number): void {
    this.lastRuntime.delete(pid);
  }

  /** Tasks this policy keeps state for (for the example's test). */
  get tracked(): number {
    return this.lastRuntime.size;
  }
}

const shortestBurst: PolicyModule = {
  apiVersion: POLICY_API_VERSION,
  name: 'shortest-burst',
  description: 'example: the task whose last burst was shortest runs first; ignores SLOs',
  createPolicy: (ctx) => new ShortestBurst(ctx),
};
export default shortestBurst;
