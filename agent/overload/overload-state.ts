// When a workload counts as overloaded: the early load-shedding signal.
//
// The kernel keeps, per SLO cgroup, the time of its latest deadline miss (lastMissNs),
// of its latest run (lastRunNs) and the slack of that run (lastSlackNs = deadline - start;
// negative = late). A workload is overloaded at time `now` when, within the last
// `windowMs` (default 50 ms):
//   - one of its tasks missed its deadline (now - lastMissNs <= window), reason
//     "deadline_miss"; or
//   - its latest run started with slack below `slackThresholdMs` (default 0, i.e. it was
//     late) and that run is within the window, reason "low_slack".
// A positive slackThresholdMs makes the signal earlier: it fires when runs start close to
// their deadline, before they miss it. The state clears by itself once the window passes
// without a miss or low-slack run. All times are kernel monotonic ns.
import type { CgroupSloStats } from '../kernel/scheduler-stats.js';

export const DEFAULT_OVERLOAD_WINDOW_MS = 50;

export interface OverloadRule {
  windowMs: number;
  slackThresholdMs: number;
}

export const DEFAULT_OVERLOAD_RULE: OverloadRule = { windowMs: DEFAULT_OVERLOAD_WINDOW_MS, slackThresholdMs: 0 };

export type OverloadReason = 'deadline_miss' | 'low_slack';

export interface OverloadState {
  overloaded: boolean;
  reason: OverloadReason | null;
  /** ms since the latest miss, null if never. */
  lastMissAgoMs: number | null;
  /** ms since the latest run, null if never. */
  lastRunAgoMs: number | null;
  /** Slack of the latest run, ms (negative: late), null if never ran. */
  lastSlackMs: number | null;
}

const ms = (ns: number): number => Math.round(ns / 1000) / 1000 || 0;

/** The state of a workload with kernel stats `stats` (undefined: none yet) at kernel time `nowNs`. */
export function overloadState(stats: CgroupSloStats | undefined, nowNs: number, rule: OverloadRule = DEFAULT_OVERLOAD_RULE): OverloadState {
  if (!stats) return { overloaded: false, reason: null, lastMissAgoMs: null, lastRunAgoMs: null, lastSlackMs: null };
  const windowNs = rule.windowMs * 1e6;
  const missAgo = stats.lastMissNs > 0 ? Math.max(0, nowNs - stats.lastMissNs) : null;
  const runAgo = stats.lastRunNs > 0 ? Math.max(0, nowNs - stats.lastRunNs) : null;
  let reason: OverloadReason | null = null;
  if (missAgo !== null && missAgo <= windowNs) reason = 'deadline_miss';
  else if (runAgo !== null && runAgo <= windowNs && stats.lastSlackNs < rule.slackThresholdMs * 1e6) reason = 'low_slack';
  return {
    overloaded: reason !== null,
    reason,
    lastMissAgoMs: missAgo === null ? null : ms(missAgo),
    lastRunAgoMs: runAgo === null ? null : ms(runAgo),
    lastSlackMs: runAgo === null ? null : ms(stats.lastSlackNs),
  };
}
