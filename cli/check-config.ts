// `scx-slo check-config FILE`: checks an SLO config file the way the running agent loads
// it (the same parser and rules), printing each problem as FILE:LINE:COL; exit status 0
// when the file is clean, 1 when it has problems or cannot be used at all.
import { readFileSync } from 'node:fs';
import type { Command } from './command.js';
import { UsageError } from './command.js';
import { checkSloConfig } from '../agent/slo/slo-config-file.js';

export const checkConfigCommand: Command = {
  name: 'check-config',
  summary: 'check an SLO config file (YAML) and report problems with line and column',
  usage: `usage: scx-slo check-config FILE

Checks FILE as \`scx-slo run --config FILE\` would load it: every entry must name a cgroup
path and set budgetMs (a positive number of milliseconds, at most one hour) and/or
importance (1..100). Prints each problem as FILE:LINE:COL: field: problem, and a summary.
The running agent logs the same lines when it reloads the file.
Exit status 0 when the file is clean, 1 when it has problems or cannot be read or parsed.`,
  async run(argv) {
    if (argv.length !== 1 || argv[0]!.startsWith('-')) throw new UsageError(`expected one FILE, got ${JSON.stringify(argv)}`);
    const file = argv[0]!;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      console.error(`${file}: cannot read: ${(err as Error).message}`);
      return 1;
    }
    let result;
    try {
      result = checkSloConfig(text, file);
    } catch (err) {
      console.error((err as Error).message);
      return 1;
    }
    for (const e of result.errors) console.error(e.located);
    const summary = `${file}: ${result.entries.length} valid SLO entries, ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}`;
    if (result.errors.length > 0) {
      console.error(summary);
      return 1;
    }
    console.log(summary);
    return 0;
  },
};
