// `scx-slo policies`: lists the built-in policy modules.
import { BUILTIN_POLICIES, DEFAULT_POLICY } from '../policy/registry.js';
import type { Command } from './command.js';

export const policyListCommand: Command = {
  name: 'policies',
  summary: 'list the built-in scheduling policies',
  usage: 'usage: scx-slo policies\n\nLists the built-in policies. A policy can also be given as a path to an ES module\nimplementing the policy ' +
    'API (policy/api.ts).',
  async run() {
    for (const mod of BUILTIN_POLICIES.values()) {
      console.log(`${mod.name.padEnd(6)} ${mod.name === DEFAULT_POLICY ? '(default) ' : ''}${mod.description}`);
    }
    return 0;
  },
};
