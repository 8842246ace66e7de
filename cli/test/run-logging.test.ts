// `scx-slo run`'s logging options: --log-level, -v and --log-format are parsed and checked,
// and a real agent (monitoring-only mode on this kernel without sched_ext) writes its log
// as one JSON object per line with --log-format json.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunOptions } from '../run-options.js';
import { UsageError } from '../command.js';
import { REPO_ROOT } from '../../agent/bpf/test/bpf-fixture.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

test('the log level defaults to info in text; -v is debug; bad values name the option', (t) => {
  const d = parseRunOptions([], {});
  t.is(d.logLevel, 'info');
  t.is(d.logFormat, 'text');
  t.is(parseRunOptions(['-v'], {}).logLevel, 'debug');
  t.is(parseRunOptions(['--verbose', '--log-level', 'debug'], {}).logLevel, 'debug');
  t.is(parseRunOptions(['--log-level', 'warn', '--log-format', 'json'], {}).logFormat, 'json');
  t.throws(() => parseRunOptions(['--log-level', 'loud'], {}), { instanceOf: UsageError, message: '--log-level: expected one of error, warn, ' +
    'info, debug, got "loud"' });
  t.throws(() => parseRunOptions(['--log-format', 'xml'], {}), { instanceOf: UsageError, message: /--log-format: .* got "xml"/ });
  t.throws(() => parseRunOptions(['-v', '--log-level', 'error'], {}), { instanceOf: UsageError, message: /-v means --log-level debug/ });
});

(existsSync('/sys/kernel/sched_ext/state') ? test.skip : test)('with --log-format json every log line of a running agent is a JSON object', async (t) => {
  const dir = join(REPO_ROOT, '.cache', `run-logging-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const agent = spawn(process.execPath, [CLI, 'run', '--fallback-monitor', '--log-format', 'json', '--metrics-port', '0',
    '--control-socket', join(dir, 'agent.sock')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  agent.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    for (let i = 0; i < 100 && !stderr.includes('monitor mode'); i++) await new Promise((r) => setTimeout(r, 100));
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
    const lines = stderr.split('\n').filter((l) => l !== '');
    t.true(lines.length >= 2, `some log lines:\n${stderr}`);
    for (const line of lines) {
      const rec = JSON.parse(line) as { time: string; level: string; msg: string };
      t.regex(rec.time, /^\d{4}-\d\d-\d\dT/);
      t.true(['error', 'warn', 'info', 'debug'].includes(rec.level), line);
      t.is(typeof rec.msg, 'string');
    }
    t.true(lines.some((l) => (JSON.parse(l) as { msg: string }).msg.includes('monitor mode')), stderr);
  } finally {
    agent.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
