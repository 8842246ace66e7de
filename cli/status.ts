// `scx-slo status`: whether a sched_ext scheduler is attached, and, from the running
// agent, its counters and per-cgroup SLO table; `--watch N` refreshes every N seconds in
// place with rates per second (like the scx schedulers' --monitor).
import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import { UsageError } from './command.js';
import { DEFAULT_CONTROL_SOCKET, controlRequest } from '../agent/serving/control-socket.js';
import { schedExtState } from '../agent/kernel/kernel-support.js';
import { formatRates, formatStatus, statusRates, type AgentStatus } from './status-view.js';

const CLEAR = '\x1b[H\x1b[2J';

async function queryAgent(socket: string): Promise<{ agent?: AgentStatus; error?: string }> {
  try {
    const reply = await controlRequest(socket, { cmd: 'status' });
    return reply.ok ? { agent: reply.result as AgentStatus } : { error: reply.error };
  } catch (err) {
    return { error: (err as Error).message };
  }
}


function kernelLine(): string {
  const kernel = schedExtState();
  return `sched_ext: ${kernel.state ?? 'not in this kernel'}${kernel.ops ? ` (${kernel.ops})` : ''}`;
}

/** Refreshes every `seconds` until SIGINT/SIGTERM; exit status as for one-shot status. */
async function watch(socket: string, seconds: number): Promise<number> {
  const tty = process.stdout.isTTY === true;
  let prev: { at: number; agent: AgentStatus } | undefined;
  let stop = false;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (): void => {
      stop = true;
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  while (!stop) {
    const at = performance.now();
    const { agent, error } = await queryAgent(socket);
    const lines = [`${new Date().toISOString()}  ${kernelLine()}`];
    if (!agent) lines.push(`agent:    not reachable (${error})`);
    else if (agent.mode === 'monitor') lines.push(...formatStatus(agent));
    else if (prev) lines.push(...formatRates(statusRates(prev.agent, agent, (at - prev.at) / 1000), agent));
    else lines.push(...formatStatus(agent), '(rates from the next refresh on)');
    process.stdout.write(`${tty ? CLEAR : '\n'}${lines.join('\n')}\n`);
    prev = agent && agent.mode !== 'monitor' ? { at, agent } : undefined;
    await Promise.race([stopped, new Promise((r) => setTimeout(r, seconds * 1000))]);
  }
  const kernel = schedExtState();
  return kernel.state === 'enabled' && kernel.ops === 'slo' ? 0 : 3;
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'show whether the scheduler is attached, its counters and SLO table',
  usage: `usage: scx-slo status [--json] [--watch SECONDS] [--control-socket PATH]

Prints the kernel's sched_ext state and, when an scx-slo agent is running, its dispatch
counters (userspace, direct, fallback), and the per-cgroup SLO table with runs, misses
and mean wait. With --watch N it refreshes every N seconds in place (until Ctrl-C) with
rates per second: dispatches by path, the userspace and fallback shares of the interval,
and each workload's misses and runs per second.
Exit status 0 when an scx-slo scheduler is attached, 3 when none is.`,
  async run(argv) {
    let values;
    try {
      ({ values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, watch: { type: 'string' }, 'control-socket': { type: 'string' } } }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const socket = values['control-socket'] ?? DEFAULT_CONTROL_SOCKET;
    if (values.watch !== undefined) {
      const seconds = Number(values.watch);
      if (!(Number.isFinite(seconds) && seconds >= 0.1 && seconds <= 3600)) {
        throw new UsageError(`--watch: expected seconds from 0.1 to 3600, got ${JSON.stringify(values.watch)}`);
      }
      if (values.json) throw new UsageError('--watch and --json do not go together');
      return watch(socket, seconds);
    }
    const kernel = schedExtState();
    const { agent, error } = await queryAgent(socket);
    if (values.json) {
      console.log(JSON.stringify({ kernel, agent: agent ?? null, agentError: error ?? null }, null, 2));
    } else {
      console.log(kernelLine());
      if (agent) console.log(formatStatus(agent).join('\n'));
      else console.log(`agent:    not reachable (${error})`);
    }
    return kernel.state === 'enabled' && kernel.ops === 'slo' ? 0 : 3;
  },
};
