// The agent's logger: level filtering, the text lines the agent has always written, and
// one JSON object per line for log collectors.
import test from 'ava';
import { createLogger, type LogFormat, type LogLevel } from '../logger.js';

function capture(level: LogLevel, format: LogFormat): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const log = createLogger({ level, format, write: (l) => lines.push(l), now: () => new Date('2026-12-02T06:00:00.000Z') });
  return { lines, log };
}

test('messages below the level are dropped and the rest are written in order', (t) => {
  const { lines, log } = capture('warn', 'text');
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.error('e');
  t.deepEqual(lines, ['2026-12-02T06:00:00.000Z scx-slo: warning: w\n', '2026-12-02T06:00:00.000Z scx-slo: error: e\n']);
  t.false(log.enabled('info'));
  t.true(log.enabled('error'));
});

test('info lines keep the agent\'s text format; debug shows only at debug level', (t) => {
  const { lines, log } = capture('debug', 'text');
  log.info('attached');
  log.debug('libbpf: loading');
  t.deepEqual(lines, ['2026-12-02T06:00:00.000Z scx-slo: attached\n', '2026-12-02T06:00:00.000Z scx-slo: debug: libbpf: loading\n']);
});

test('the json format writes one object per line with time, level and msg', (t) => {
  const { lines, log } = capture('info', 'json');
  log.warn('cgroup "a\\b" not found');
  t.is(lines.length, 1);
  t.true(lines[0]!.endsWith('\n'));
  t.deepEqual(JSON.parse(lines[0]!), { time: '2026-12-02T06:00:00.000Z', level: 'warn', msg: 'cgroup "a\\b" not found' });
});
