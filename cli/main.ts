#!/usr/bin/env node
// Entry point of the `scx-slo` command: picks the subcommand and runs it. Subcommands
// are registered in commands.ts.
import { COMMANDS } from './commands.js';
import { UsageError } from './command.js';
import { versionLine } from '../agent/metrics/build-info.js';

function topUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return ['usage: scx-slo <command> [options]', '', 'SLO-aware Linux CPU scheduler (sched_ext).', '', 'commands:', ...lines, '',
    'Run `scx-slo <command> --help` for a command\'s options; `scx-slo --version` (-V) for the version.'].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(topUsage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    console.log(versionLine());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`scx-slo: unknown command ${JSON.stringify(name)}\n\n${topUsage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`scx-slo ${name}: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    console.error(`scx-slo ${name}: ${(err as Error).message}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
