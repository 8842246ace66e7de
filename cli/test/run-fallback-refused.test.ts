// `scx-slo run --fallback-monitor` when the kernel itself refuses the scheduler, past the
// pre-check (reached here with SCX_SLO_FORCE_ATTACH=1, since this host's kernel has no
// sched_ext): a verifier rejection (bpf/build/verifier_reject.bpf.o) and the scheduler
// that cannot attach on this kernel (scx_slo.bpf.o) both leave the agent up in
// monitoring-only mode, saying why, with the verifier's log in its log; without the
// flag the same refusal exits non-zero with that log.
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, bpfObjectPath } from '../../agent/bpf/test/bpf-fixture.js';
import { CLI, freePort, waitReady } from './cli-process.js';

const onSchedExt = existsSync('/sys/kernel/sched_ext/state');
const cases = [
  { what: 'a verifier rejection', object: 'verifier_reject', log: /verifier log|invalid access|R\d|out of bounds/i },
  { what: 'a scheduler this kernel cannot attach', object: 'scx_slo', log: /sched_ext_ops|struct_ops|cannot|refused/i },
];

for (const c of cases) {
  (onSchedExt ? test.skip : test)(`with --fallback-monitor, ${c.what} leaves the agent up in monitoring-only mode`, async (t) => {
    const dir = join(REPO_ROOT, '.cache', `refused-${c.object}-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const agent = spawn('node', [CLI, 'run', '--fallback-monitor', '--bpf-object', bpfObjectPath(c.object), '--workers', '0',
      '--metrics-port', String(port), '--metrics-host', '127.0.0.1', '--control-socket', join(dir, 'agent.sock')],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SCX_SLO_FORCE_ATTACH: '1' } });
    let stderr = '';
    agent.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const ready = await waitReady(port);
      t.is(ready, 200, `ready; agent log:\n${stderr}`);
      t.regex(stderr, /cannot attach the scheduler: kernel refused to load/);
      t.regex(stderr, c.log);
      t.regex(stderr, /monitor mode \(not scheduling: the kernel refused the scheduler: kernel refused to load/);
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      t.regex(text, /^scx_slo_mode\{mode="monitor"\} 1$/m);
    } finally {
      agent.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => agent.on('exit', r));
      t.is(code, 0, 'clean exit on SIGTERM');
    }
  });
}

(onSchedExt ? test.skip : test)('without --fallback-monitor a verifier rejection exits non-zero with the verifier log', (t) => {
  const r = spawnSync('node', [CLI, 'run', '--bpf-object', bpfObjectPath('verifier_reject'), '--workers', '0', '--metrics-port', '0',
    '--control-socket', join(REPO_ROOT, '.cache', `refused-plain-${process.pid}.sock`)],
  { encoding: 'utf8', env: { ...process.env, SCX_SLO_FORCE_ATTACH: '1' }, timeout: 60_000 });
  t.not(r.status, 0);
  t.regex(r.stderr, /kernel refused to load .*verifier_reject\.bpf\.o[\s\S]*libbpf\/verifier log/);
});
