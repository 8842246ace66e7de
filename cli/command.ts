// The shape of one `scx-slo` subcommand. Each subcommand lives in its own module and is
// listed in main.ts; `scx-slo <name> --help` prints its usage.

export interface Command {
  /** The subcommand word, e.g. "sim". */
  name: string;
  /** One line for `scx-slo --help`. */
  summary: string;
  /** Full usage text for `scx-slo <name> --help`. */
  usage: string;
  /** Runs with the arguments after the subcommand word; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

/** An error whose message is meant for the user as it is (no stack trace). */
export class UsageError extends Error {
  override name = 'UsageError';
}
