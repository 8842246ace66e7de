// Exit codes of `scx-slo status` and `scx-slo policies`, run as real processes: status
// exits 3 when no scx-slo scheduler is attached (this host's kernel has no sched_ext),
// whether or not an agent answers on the control socket, 2 on a bad option; policies
// exits 0 listing the built-in policies. (Exit 0 of status while attached is checked in
// the sched_ext guest, agent/test/vm/guest-checks.ts.)
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../agent/bpf/test/bpf-fixture.js';
import { serveControlSocket } from '../../agent/serving/control-socket.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const hostHasSchedExt = existsSync('/sys/kernel/sched_ext/state');

async function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('node', [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

function socketPath(name: string): string {
  const dir = join(REPO_ROOT, '.cache', `cli-exit-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

test('policies exits 0 and lists every built-in policy, the default marked', async (t) => {
  const r = await cli('policies');
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^edf +\(default\) /m);
  t.regex(r.stdout, /^fair /m);
  t.regex(r.stdout, /^fifo /m);
});

(hostHasSchedExt ? test.skip : test)('status exits 3 on a kernel without sched_ext and says the agent is not reachable', async (t) => {
  const r = await cli('status', '--control-socket', socketPath('nobody.sock'));
  t.is(r.code, 3, r.stderr);
  t.regex(r.stdout, /^sched_ext: not in this kernel$/m);
  t.regex(r.stdout, /^agent: +not reachable \(/m);
});

(hostHasSchedExt ? test.skip : test)('status exits 3 when an agent answers but no scx-slo scheduler is attached, and prints what the agent said', async (t) => {
  const path = socketPath('agent.sock');
  rmSync(path, { force: true });
  const server = await serveControlSocket(path, async () => ({
    mode: 'detached', ops: '', policy: 'edf', transport: {},
    counters: { user_dispatched: 6, direct: 3, fallback_lag: 1, fallback_ringfull: 0, fallback_stalled: 0, fallback_idle: 0 },
    slos: { '42': { budgetNs: 5_000_000, importance: 90 } },
    cgroups: { '42': { runs: 4, misses: 1, waitNsSum: 8_000, lastSlackNs: 0 } },
  }));
  t.teardown(() => server.close());
  const r = await cli('status', '--control-socket', path);
  t.is(r.code, 3, r.stderr);
  t.regex(r.stdout, /^agent: +detached, policy edf$/m);
  t.regex(r.stdout, /userspace 6 \(60\.0%\), direct 3 \(30\.0%\), fallback lag 1/);
  t.regex(r.stdout, /cgroup 42: budget 5 ms, importance 90; 4 runs, 1 misses, 2 us mean wait/);
  const json = await cli('status', '--json', '--control-socket', path);
  t.is(json.code, 3);
  t.is((JSON.parse(json.stdout) as { agent: { policy: string } }).agent.policy, 'edf');
});

test('status exits 2 with its usage on an unknown option', async (t) => {
  const r = await cli('status', '--bogus');
  t.is(r.code, 2);
  t.regex(r.stderr, /usage: scx-slo status/);
});
