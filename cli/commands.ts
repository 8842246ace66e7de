// The list of `scx-slo` subcommands, in the order `scx-slo --help` shows them.
import type { Command } from './command.js';
import { policyListCommand } from './policy-list.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { policySetCommand } from './policy-set.js';
import { checkConfigCommand } from './check-config.js';
import { simCommand } from './sim.js';
import { shadowCommand } from './shadow.js';

export const COMMANDS: readonly Command[] = [
  runCommand, statusCommand, checkConfigCommand, policySetCommand, policyListCommand, shadowCommand, simCommand,
];
