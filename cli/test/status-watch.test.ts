// `scx-slo status`: the rates `--watch` shows between two agent replies, the one-shot text,
// and a real `scx-slo status --watch` process refreshing against a control socket that
// answers like a running agent, stopped by SIGINT with the documented exit status.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatStatus, statusRates, type AgentStatus } from '../status-view.js';
import { serveControlSocket } from '../../agent/serving/control-socket.js';
import { REPO_ROOT } from '../../agent/bpf/test/bpf-fixture.js';

function status(n: number): AgentStatus {
  return {
    mode: 'sched_ext', ops: 'slo', policy: 'edf', transport: {},
    counters: { enqueued: 100 * n, user_dispatched: 60 * n, direct: 30 * n, fallback_lag: 5 * n, fallback_idle: 5 * n, deadline_misses: 2 * n },
    slos: { '11': { budgetNs: 20e6, importance: 90 } },
    cgroups: { '11': { runs: 50 * n, misses: 2 * n, waitNsSum: 1e6 * n, lastSlackNs: 0 }, '0': { runs: 10 * n, misses: 0, waitNsSum: 0, lastSlackNs: 0 } },
    workloads: { '11': 'shop/front' },
  };
}

test('rates are per second over the interval, with userspace and fallback shares', (t) => {
  const r = statusRates(status(1), status(3), 2);
  t.is(r.enqueuedPerSec, 100);
  t.is(r.userspacePerSec, 60);
  t.is(r.directPerSec, 30);
  t.is(r.fallbackPerSec, 10);
  t.is(r.missesPerSec, 2);
  t.is(r.userspaceShare, 0.6);
  t.is(r.fallbackShare, 0.1);
  t.deepEqual(r.workloads.map((w) => [w.name, w.missesPerSec, w.runsPerSec]), [['shop/front', 2, 50], ['unconfigured', 0, 10]]);
});

test('a counter that went down (agent restarted) counts from zero; an idle interval has no shares', (t) => {
  const r = statusRates(status(5), status(1), 1);
  t.is(r.userspacePerSec, 60);
  const idle = statusRates(status(2), status(2), 1);
  t.true(Number.isNaN(idle.userspaceShare));
  t.throws(() => statusRates(status(1), status(2), 0), { message: /seconds: expected > 0, got 0/ });
});

test('the one-shot text names each workload and its SLO', (t) => {
  const text = formatStatus(status(1)).join('\n');
  t.regex(text, /userspace 60 \(60\.0%\), direct 30 \(30\.0%\), fallback lag 5/);
  t.regex(text, /shop\/front \(cgroup 11\): budget 20 ms, importance 90; 50 runs, 2 misses/);
});

test('scx-slo status --watch refreshes with rates until SIGINT and exits 3 with no scheduler attached', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'scx-slo-watch-'));
  const socket = join(dir, 'agent.sock');
  let calls = 0;
  const server = await serveControlSocket(socket, async () => status(++calls));
  try {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'cli', 'main.js'), 'status', '--watch', '0.2', '--control-socket', socket],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 100 && (out.match(/per sec:/g) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    t.true((out.match(/per sec:/g) ?? []).length >= 2, out);
    t.regex(out, /shop\/front: [0-9.]+ misses\/s, [0-9.]+ runs\/s/);
    t.regex(out, /shares: {3}userspace 60\.0%, fallback 10\.0%/);
    t.is(code, 3);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
