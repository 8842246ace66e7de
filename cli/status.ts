// `scx-slo status`: whether a sched_ext scheduler is attached, and, from the running
// agent, its counters and per-cgroup SLO table.
import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import { UsageError } from './command.js';
import { DEFAULT_CONTROL_SOCKET, controlRequest } from '../agent/serving/control-socket.js';
import { schedExtState } from '../agent/kernel/kernel-support.js';

interface AgentStatus {
  mode: string;
  ops: string;
  policy: string;
  counters: Record<string, number>;
  transport: Record<string, number>;
  /** Policy faults (agents that report them). */
  faults?: { errors: number; timeouts: number; restarts: number; restartFailures: number; degraded: boolean; lastFault?: string };
  slos: Record<string, { budgetNs: number; importance: number }>;
  cgroups: Record<string, { runs: number; misses: number; waitNsSum: number; lastSlackNs: number }>;
}

function printStatus(s: AgentStatus): void {
  const c = s.counters;
  // Every dispatch path: userspace, direct, and each fallback_* reason the kernel counts.
  const fallback = Object.keys(c).filter((k) => k.startsWith('fallback_')).reduce((n, k) => n + (c[k] ?? 0), 0);
  const decided = (c['user_dispatched'] ?? 0) + (c['direct'] ?? 0) + fallback;
  const pct = (n: number | undefined): string => (decided > 0 ? `${((100 * (n ?? 0)) / decided).toFixed(1)}%` : '-');
  console.log(`agent:    ${s.mode}, policy ${s.policy}`);
  console.log(`dispatch: userspace ${c['user_dispatched']} (${pct(c['user_dispatched'])}), direct ${c['direct']} (${pct(c['direct'])}), fallback lag ${c['fallback_lag']} / ring-full ${c['fallback_ringfull']} / stalled ${c['fallback_stalled']} / idle CPU ${c['fallback_idle']}`);
  console.log(`          stale decisions ${c['stale_decisions']}, bad ${c['bad_decisions']}, preempt kicks ${c['preempt_kicks']}, deadline misses ${c['deadline_misses']}`);
  if (s.faults) {
    const f = s.faults;
    const state = f.degraded ? 'FAILING, the in-kernel EDF schedules' : 'ok';
    console.log(`policy:   ${state}; errors ${f.errors}, timeouts ${f.timeouts}, restarts ${f.restarts}${f.restartFailures ? ` (${f.restartFailures} failed)` : ''}${f.lastFault ? `; last: ${f.lastFault}` : ''}`);
  }
  console.log('SLOs:');
  const rows = Object.entries(s.slos);
  if (rows.length === 0) console.log('  (none configured: every workload has the default)');
  for (const [id, slo] of rows) {
    const st = s.cgroups[id];
    const wait = st && st.runs > 0 ? `${(st.waitNsSum / st.runs / 1e3).toFixed(0)} us mean wait` : 'no runs yet';
    console.log(`  cgroup ${id}: budget ${slo.budgetNs / 1e6} ms, importance ${slo.importance}; ${st ? `${st.runs} runs, ${st.misses} misses, ` : ''}${wait}`);
  }
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'show whether the scheduler is attached, its counters and SLO table',
  usage: `usage: scx-slo status [--json] [--control-socket PATH]

Prints the kernel's sched_ext state and, when an scx-slo agent is running, its dispatch
counters (userspace, direct, fallback), and the per-cgroup SLO table with runs, misses
and mean wait. Exit status 0 when an scx-slo scheduler is attached, 3 when none is.`,
  async run(argv) {
    let values;
    try {
      ({ values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, 'control-socket': { type: 'string' } } }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const kernel = schedExtState();
    let agent: AgentStatus | undefined;
    let agentError: string | undefined;
    try {
      const reply = await controlRequest(values['control-socket'] ?? DEFAULT_CONTROL_SOCKET, { cmd: 'status' });
      if (reply.ok) agent = reply.result as AgentStatus;
      else agentError = reply.error;
    } catch (err) {
      agentError = (err as Error).message;
    }
    if (values.json) {
      console.log(JSON.stringify({ kernel, agent: agent ?? null, agentError: agentError ?? null }, null, 2));
    } else {
      console.log(`sched_ext: ${kernel.state ?? 'not in this kernel'}${kernel.ops ? ` (${kernel.ops})` : ''}`);
      if (agent) printStatus(agent);
      else console.log(`agent:    not reachable (${agentError})`);
    }
    return kernel.state === 'enabled' && kernel.ops === 'slo' ? 0 : 3;
  },
};
