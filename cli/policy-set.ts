// `scx-slo policy set NAME|FILE`: swaps the running agent's policy without detaching or
// reloading the BPF scheduler.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import type { Command } from './command.js';
import { UsageError } from './command.js';
import { DEFAULT_CONTROL_SOCKET, controlRequest } from '../agent/serving/control-socket.js';
import { isPolicyPath } from '../policy/registry.js';

export const policySetCommand: Command = {
  name: 'policy',
  summary: 'swap the running agent\'s policy: scx-slo policy set NAME|FILE',
  usage: `usage: scx-slo policy set NAME|FILE [--control-socket PATH]

Switches the running agent to another policy (edf, fair, fifo, or a module file) without
detaching the scheduler. Tasks queued in the old policy are dispatched in its order.`,
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: true, options: { 'control-socket': { type: 'string' } } });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const [verb, spec, ...extra] = parsed.positionals;
    if (verb !== 'set' || !spec || extra.length > 0) throw new UsageError('expected: policy set NAME|FILE');
    const target = isPolicyPath(spec) ? resolve(spec) : spec;
    const reply = await controlRequest(parsed.values['control-socket'] ?? DEFAULT_CONTROL_SOCKET, { cmd: 'policy-set', spec: target });
    if (!reply.ok) throw new Error(reply.error);
    console.log(`policy is now ${(reply.result as { policy: string }).policy}`);
    return 0;
  },
};
