// `scx-slo run --fallback-monitor` on this host, whose kernel has no sched_ext: the agent
// stays up in monitoring-only mode, says so, is ready, and exports the run-queue latency
// of a configured workload that is made to wait for CPU (a cgroup with more CPU hogs
// than CPUs), scraped from /metrics over HTTP.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { REPO_ROOT } from '../../agent/bpf/test/bpf-fixture.js';
import { cgroup2Root, startCgroupWorkload } from '../../agent/monitor/test/cgroup-workload.js';
import { CLI, freePort, sleep, waitReady } from './cli-process.js';

(existsSync('/sys/kernel/sched_ext/state') ? test.skip : test)('monitoring-only mode measures a contended workload and serves it on /metrics', async (t) => {
  const found = cgroup2Root();
  if ('error' in found) return t.fail(found.error);
  const workload = await startCgroupWorkload(`scx-slo-monitor-run-${process.pid}`, { hogsPerCpu: 2, sleepers: 1 });
  const dir = join(REPO_ROOT, '.cache', `monitor-run-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'slos.yaml');
  const path = basename(workload.dir);
  writeFileSync(config, `cgroups:\n  ${path}:\n    budgetMs: 10\n    importance: 90\n`);
  const port = await freePort();
  const agent = spawn('node', [CLI, 'run', '--fallback-monitor', '--config', config, '--cgroup-root', found.root,
    '--metrics-port', String(port), '--metrics-host', '127.0.0.1', '--control-socket', join(dir, 'agent.sock')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  agent.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const ready = await waitReady(port);
    t.is(ready, 200, `ready; agent log:\n${stderr}`);
    t.regex(stderr, /monitor mode \(not scheduling: kernel .* has no sched_ext/);
    await sleep(1500);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    t.regex(text, /^scx_slo_mode\{mode="monitor"\} 1$/m);
    t.regex(text, /^scx_slo_attached 0$/m);
    const count = new RegExp(`^scx_slo_runqueue_latency_seconds_count\\{namespace="",pod="",cgroup="${path}"\\} (\\d+)$`, 'm').exec(text);
    t.truthy(count, `a series for the workload:\n${text.split('\n').filter((l) => l.includes('runqueue')).join('\n')}`);
    t.true(Number(count![1]) > 0, 'waits were measured');
    const sum = new RegExp(`^scx_slo_runqueue_latency_seconds_sum\\{namespace="",pod="",cgroup="${path}"\\} ([0-9.e+-]+)$`, 'm').exec(text);
    t.true(Number(sum![1]) > 0, 'contention gives non-zero wait');
    t.regex(text, /^scx_slo_runqueue_latency_seconds_count\{namespace="",pod="",cgroup="other"\} \d+$/m, 'the rest of the node is one series');
  } finally {
    agent.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => agent.on('exit', r));
    await workload.cleanup();
    t.is(code, 0, 'clean exit on SIGTERM');
  }
});
