// The scx-slo agent's settings in the head-to-head's scx-slo rows (slo-edf, slo-fallback,
// ...), in one place: the README's recommendation for a small node (policy inline,
// `--workers 0`: about half the agent's CPU of a piscina worker), and for the guest, where
// JavaScript runs ~100x slower under emulation, a generous lag bound and batched wake-ups
// (`--wake-batch 32 --wake-after-us 2000`: a wake-up of the agent costs it a round of
// several emulated milliseconds, whatever the round carries; in one guest run 15-25% less
// agent CPU at the same service p99, bench/RESULTS.md "Delegation"). Change the
// recommendation here and every scx-slo row follows.

export interface AgentSettings {
  /** `--workers`: 0 runs the policy on the agent's main thread. */
  workers: number;
  /** `--lag-ms`: a task handed to userspace runs by the kernel's EDF after this. */
  lagMs: number;
  /** `--stall-ms`: the agent counts as stalled (SIGSTOPped) after this. */
  stallMs: number;
  /** `--heartbeat-ms`. */
  heartbeatMs: number;
  /** `--wake-batch` and `--wake-after-us`: batched wake-ups of the agent (0: at the first task). */
  wakeBatch: number;
  wakeAfterUs: number;
}

export const RECOMMENDED_AGENT: AgentSettings = { workers: 0, lagMs: 50, stallMs: 1000, heartbeatMs: 50, wakeBatch: 32, wakeAfterUs: 2000 };

/** The `scx-slo run` options for these settings (policy, config and sockets are the caller's). */
export function agentRunArgs(s: AgentSettings): string[] {
  return ['--lag-ms', String(s.lagMs), '--stall-ms', String(s.stallMs), '--heartbeat-ms', String(s.heartbeatMs), '--workers', String(s.workers),
    '--wake-batch', String(s.wakeBatch), '--wake-after-us', String(s.wakeAfterUs)];
}
