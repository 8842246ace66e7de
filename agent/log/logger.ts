// The agent's log: levels (error, warn, info, debug) and two formats, the text lines the
// agent has always written ("<ISO time> scx-slo: <message>", with "warning: "/"error: "/
// "debug: " before non-info messages) or one JSON object per line for log collectors
// ({"time","level","msg"}). `scx-slo run --log-level LEVEL`, `-v` (debug) and
// `--log-format text|json` choose; messages below the level are dropped.

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface Logger {
  readonly level: LogLevel;
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
  /** Whether a message at `level` would be written. */
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go (default: stderr). */
  write?: (line: string) => void;
  /** The clock (default: new Date()). */
  now?: () => Date;
}

const RANK: Readonly<Record<LogLevel, number>> = { error: 0, warn: 1, info: 2, debug: 3 };
const TEXT_PREFIX: Readonly<Record<LogLevel, string>> = { error: 'error: ', warn: 'warning: ', info: '', debug: 'debug: ' };

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const enabled = (level: LogLevel): boolean => RANK[level] <= RANK[options.level];
  const emit = (level: LogLevel, msg: string): void => {
    if (!enabled(level)) return;
    const time = now().toISOString();
    if (options.format === 'json') write(`${JSON.stringify({ time, level, msg })}\n`);
    else write(`${time} scx-slo: ${TEXT_PREFIX[level]}${msg}\n`);
  };
  return {
    level: options.level,
    enabled,
    error: (m) => emit('error', m),
    warn: (m) => emit('warn', m),
    info: (m) => emit('info', m),
    debug: (m) => emit('debug', m),
  };
}
