// SIGHUP, sent as a real signal to a running `scx-slo run` (monitoring-only mode on this
// host without sched_ext), reloads the config file: the config-file source's workload
// count on /metrics goes from 1 to 2 and the agent keeps running (SIGHUP's default
// action would kill it). The config path is a symlink into another directory, so the
// agent's watch on the symlink's directory cannot see the edit: only the signal can.
// (In the sched_ext guest the same reload is checked against the kernel's SLO map.)
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../agent/bpf/test/bpf-fixture.js';
import { CLI, freePort, sleep } from './cli-process.js';

(existsSync('/sys/kernel/sched_ext/state') ? test.skip : test)('SIGHUP reloads the config file of a running agent, which keeps running', async (t) => {
  const dir = join(REPO_ROOT, '.cache', `sighup-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const cgroupRoot = join(dir, 'cgroup');
  for (const cg of ['a.slice', 'b.slice']) mkdirSync(join(cgroupRoot, cg), { recursive: true });
  mkdirSync(join(dir, 'real'), { recursive: true });
  const real = join(dir, 'real', 'slos.yaml');
  const config = join(dir, 'slos.yaml');
  writeFileSync(real, 'cgroups:\n  a.slice: { budgetMs: 10, importance: 90 }\n');
  symlinkSync(real, config);
  const port = await freePort();
  const agent = spawn('node', [CLI, 'run', '--fallback-monitor', '--config', config, '--cgroup-root', cgroupRoot,
    '--metrics-port', String(port), '--metrics-host', '127.0.0.1', '--control-socket', join(dir, 'agent.sock')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  agent.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) => agent.on('exit', (code, signal) => {
    exit = { code, signal };
    resolve();
  }));
  const workloads = async (): Promise<number | undefined> => {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
    const m = /^scx_slo_source_workloads\{source="config_file"\} (\d+)$/m.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  try {
    let count: number | undefined;
    for (let i = 0; i < 150 && count !== 1 && !exit; i++) {
      await sleep(200);
      count = await workloads();
    }
    t.is(count, 1, `one workload at start; agent log:\n${stderr}`);
    writeFileSync(real, 'cgroups:\n  a.slice: { budgetMs: 10, importance: 90 }\n  b.slice: { budgetMs: 20, importance: 40 }\n');
    await sleep(500);
    t.is(await workloads(), 1, 'the edit alone is not seen (only SIGHUP can reload it)');
    agent.kill('SIGHUP');
    for (let i = 0; i < 100 && count !== 2 && !exit; i++) {
      await sleep(100);
      count = await workloads();
    }
    t.is(count, 2, `two workloads after SIGHUP; agent log:\n${stderr}`);
    t.is(exit, undefined, 'still running after SIGHUP');
    t.regex(stderr, /reloading .*slos\.yaml/);
  } finally {
    if (!exit) agent.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
  t.deepEqual(exit, { code: 0, signal: null }, 'clean exit on SIGTERM');
});
