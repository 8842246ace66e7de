// The systemd unit (deploy/systemd/scx-slo.service.in) and `make install`
// (deploy/systemd/install.sh): an install into a scratch prefix gives a unit that
// `systemd-analyze verify` accepts without a warning (it checks the ExecStart binary
// exists, the directives parse, the dependencies exist), and `make install DESTDIR=...`
// puts every file the unit refers to where it says, with a working `scx-slo` command.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../verify/k8s-check.js';

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;

function install(env: Record<string, string>): { status: number | null; output: string } {
  const r = spawnSync('make', ['--no-print-directory', '-C', REPO_ROOT, 'install', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)],
    { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
const verify = (unit: string): { status: number | null; output: string } => {
  const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
};

(hasSystemdAnalyze ? test : test.skip)('systemd-analyze verify accepts the installed unit without a warning, and flags a broken one', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'scx-slo-unit-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const r = install({ PREFIX: join(root, 'usr'), SYSCONFDIR: join(root, 'etc'), UNITDIR: join(root, 'unit') });
  t.is(r.status, 0, r.output);
  const unit = join(root, 'unit', 'scx-slo.service');
  const ok = verify(unit);
  t.is(ok.status, 0, ok.output);
  t.is(ok.output, '', 'no warnings');
  // The check is real: a bad directive and a missing binary are reported.
  const text = readFileSync(unit, 'utf8');
  writeFileSync(unit, text.replace('Nice=-10', 'Nice=-10x'));
  t.regex(verify(unit).output, /Failed to parse nice priority/);
  writeFileSync(unit, text.replace(`${join(root, 'usr', 'bin')}/scx-slo`, `${join(root, 'usr', 'bin')}/scx-slo-missing`));
  const missing = verify(unit);
  t.not(missing.status, 0);
  t.regex(missing.output, /scx-slo-missing/);
});

test('make install DESTDIR=... installs everything the unit refers to, and the command runs', (t) => {
  const dest = mkdtempSync(join(tmpdir(), 'scx-slo-destdir-'));
  t.teardown(() => rmSync(dest, { recursive: true, force: true }));
  const r = install({ DESTDIR: dest });
  t.is(r.status, 0, r.output);
  const unit = readFileSync(join(dest, 'usr/local/lib/systemd/system/scx-slo.service'), 'utf8');
  t.notRegex(unit, /@[A-Z]+@/, 'every placeholder filled in');
  const value = (key: string): string => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1] ?? '';
  const execStart = value('ExecStart').split(/\s+/);
  const bin = execStart[0]!;
  t.is(bin, '/usr/local/bin/scx-slo');
  t.true((statSync(join(dest, bin)).mode & 0o111) !== 0, `${bin} is executable`);
  const config = execStart[execStart.indexOf('--config') + 1]!;
  t.true(existsSync(join(dest, config)), `--config ${config} installed`);
  t.true(existsSync(join(dest, value('EnvironmentFile').replace(/^-/, ''))), 'EnvironmentFile installed');
  t.true(existsSync(join(dest, value('Documentation').replace(/^file:/, ''))), 'Documentation installed');
  for (const f of ['bpf/build/scx_slo.bpf.o', 'bpf/build/rqlat.bpf.o', 'node_modules/koffi/package.json',
    'node_modules/prom-client/package.json', 'package.json']) {
    t.true(existsSync(join(dest, 'usr/local/lib/scx-slo', f)), f);
  }
  t.false(existsSync(join(dest, 'usr/local/lib/scx-slo/node_modules/ava')), 'no dev dependencies');
  // The installed tree runs on its own: its command resolves its modules from there.
  const help = spawnSync(join(dest, bin), ['run', '--help'], { encoding: 'utf8', cwd: tmpdir() });
  t.is(help.status, 0, help.stderr);
  t.regex(help.stdout, /--fallback-monitor/);
  // The shipped config files are what the agent accepts.
  const flags = /^SCX_SLO_FLAGS="(.*)"$/m.exec(readFileSync(join(dest, 'etc/default/scx-slo'), 'utf8'))?.[1];
  t.truthy(flags);
  const check = spawnSync(process.execPath, ['--input-type=module', '-e', `
    const { parseRunOptions } = await import(${JSON.stringify(join(dest, 'usr/local/lib/scx-slo/dist/cli/run-options.js'))});
    parseRunOptions(${JSON.stringify(['--config', '/etc/scx-slo/slos.yaml', '--fallback-monitor'])}.concat(process.argv.slice(1)), {});
  `, '--', ...flags!.split(/\s+/)], { encoding: 'utf8' });
  t.is(check.status, 0, check.stderr);
});
