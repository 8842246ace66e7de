// The monitor-mode check on fake /sys and /proc trees (no kernel needed): why monitor
// mode is needed, why it cannot measure (no BTF, missing capabilities, lockdown), the
// cgroup warnings; and MonitorMode staying up with the reason when it cannot measure.
import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkMonitorMode, missingMonitorCaps, parseCapEff, parseCgroupMounts, parseLockdown } from '../monitor-check.js';
import { MonitorMode } from '../monitor-mode.js';
import { RQLAT_BUCKET_BOUNDS_SECONDS, cumulativeBuckets, decodeRqlatHist } from '../rqlat-monitor.js';
import { SLO_RQLAT_HIST as RQLAT_HIST, SLO_RQLAT_BUCKETS } from '../../kernel/kernel-abi.js';

const ROOT_CAPS = '000001ffffffffff';
const CG2_ONLY = 'cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\nproc /proc proc rw 0 0\n';
const HYBRID = 'tmpfs /sys/fs/cgroup tmpfs rw 0 0\ncgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n';

interface Tree {
  schedExt?: string;
  btf?: boolean;
  capEff?: string;
  mounts?: string;
  lockdown?: string;
}

function fakeRoot(t: { teardown(fn: () => void): void }, tree: Tree): string {
  const root = mkdtempSync(join(tmpdir(), 'scx-slo-monitor-check-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const put = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  if (tree.schedExt !== undefined) put('sys/kernel/sched_ext/state', `${tree.schedExt}\n`);
  if (tree.btf ?? true) put('sys/kernel/btf/vmlinux', 'BTF');
  put('proc/self/status', `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${tree.capEff ?? ROOT_CAPS}\n`);
  put('proc/self/mounts', tree.mounts ?? CG2_ONLY);
  if (tree.lockdown !== undefined) put('sys/kernel/security/lockdown', tree.lockdown);
  return root;
}

test('no sched_ext, BTF, root, cgroup v2 only: monitor mode is needed and possible', (t) => {
  const c = checkMonitorMode({ root: fakeRoot(t, {}), kernelRelease: '6.8.0' });
  t.false(c.schedExt);
  t.deepEqual(c.needed, ['kernel 6.8.0 has no sched_ext (needs Linux >= 6.12 built with CONFIG_SCHED_CLASS_EXT=y)']);
  t.true(c.possible);
  t.deepEqual(c.problems, []);
  t.deepEqual(c.warnings, []);
  t.is(c.cgroup2Mount, '/sys/fs/cgroup');
});

test('sched_ext present and free: monitor mode is not needed', (t) => {
  const c = checkMonitorMode({ root: fakeRoot(t, { schedExt: 'disabled' }) });
  t.true(c.schedExt);
  t.is(c.schedExtState, 'disabled');
  t.deepEqual(c.needed, []);
});

test('sched_ext taken by another scheduler: monitor mode is needed, with that reason', (t) => {
  const c = checkMonitorMode({ root: fakeRoot(t, { schedExt: 'enabled' }) });
  t.deepEqual(c.needed, ['another sched_ext scheduler is enabled']);
});

test('no BTF: monitor mode cannot measure either, and says so', (t) => {
  const c = checkMonitorMode({ root: fakeRoot(t, { btf: false }), kernelRelease: '5.4.0' });
  t.false(c.btf);
  t.false(c.possible);
  t.is(c.problems.length, 1);
  t.regex(c.problems[0]!, /5\.4\.0 exposes no BTF.*CONFIG_DEBUG_INFO_BTF.*cannot load/);
});

test('capabilities: CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN; anything less is named', (t) => {
  const bit = (n: number): bigint => 1n << BigInt(n);
  t.deepEqual(missingMonitorCaps(bit(38) | bit(39)), []);
  t.deepEqual(missingMonitorCaps(bit(21)), []);
  t.deepEqual(missingMonitorCaps(bit(39)), ['CAP_PERFMON']);
  t.deepEqual(missingMonitorCaps(0n), ['CAP_BPF', 'CAP_PERFMON']);
  const c = checkMonitorMode({ root: fakeRoot(t, { capEff: '0000000000000000' }) });
  t.false(c.possible);
  t.deepEqual(c.missingCaps, ['CAP_BPF', 'CAP_PERFMON']);
  t.regex(c.problems[0]!, /lacks CAP_BPF and CAP_PERFMON/);
  t.is(parseCapEff('CapEff:\t000000c000000000\n'), 0xc000000000n);
  t.is(parseCapEff('no caps here'), 0n);
});

test('lockdown=confidentiality forbids it; integrity does not', (t) => {
  t.is(parseLockdown('none integrity [confidentiality]'), 'confidentiality');
  t.false(checkMonitorMode({ root: fakeRoot(t, { lockdown: 'none integrity [confidentiality]\n' }) }).possible);
  t.true(checkMonitorMode({ root: fakeRoot(t, { lockdown: 'none [integrity] confidentiality\n' }) }).possible);
});

test('cgroup layouts: hybrid and no cgroup v2 are warnings, not problems', (t) => {
  t.deepEqual(parseCgroupMounts(HYBRID), { cgroup2: '/sys/fs/cgroup/unified', cgroup1: true });
  const hybrid = checkMonitorMode({ root: fakeRoot(t, { mounts: HYBRID }) });
  t.true(hybrid.possible);
  t.regex(hybrid.warnings[0]!, /cgroup v1 hierarchies are mounted alongside cgroup v2 \(at \/sys\/fs\/cgroup\/unified\)/);
  const none = checkMonitorMode({ root: fakeRoot(t, { mounts: 'proc /proc proc rw 0 0\n' }) });
  t.true(none.possible);
  t.regex(none.warnings[0]!, /no cgroup v2 hierarchy is mounted: every task is counted under the root cgroup/);
});

test('MonitorMode without BTF stays up: mode monitor, not measuring, with both reasons', (t) => {
  let started = false;
  const lines: string[] = [];
  const mode = MonitorMode.start({
    check: { root: fakeRoot(t, { btf: false }), kernelRelease: '5.10.0' },
    monitorFactory: () => {
      started = true;
      throw new Error('must not be called');
    },
    log: (l) => lines.push(l),
  });
  t.false(started, 'the programs are not even tried without BTF');
  const s = mode.status();
  t.is(s.mode, 'monitor');
  t.false(s.measuring);
  t.regex(s.reason, /^monitor mode \(not scheduling: kernel 5\.10\.0 has no sched_ext.*\): not measuring either: kernel 5\.10\.0 exposes no BTF/);
  t.deepEqual(lines, [s.reason]);
  t.is(mode.runqueueLatency().size, 0);
  const snap = mode.snapshot();
  t.is(snap.mode, 'monitor');
  t.is(snap.counters.enqueued, 0);
  mode.stop();
});

test('MonitorMode: a caller-given reason, and a monitor whose start or read fails', (t) => {
  const root = fakeRoot(t, {});
  const failing = MonitorMode.start({
    check: { root },
    why: ['sched_ext is busy'],
    monitorFactory: () => ({ running: false, start: () => { throw new Error('kernel refused to load\n--- verifier log ---\nR1 invalid mem access'); },
      stop: () => {}, snapshot: () => new Map() }),
  });
  t.regex(failing.status().reason,
    /not scheduling: sched_ext is busy\): not measuring either: the run-queue latency programs could not be started: kernel refused to load$/);

  let running = true;
  const reading = MonitorMode.start({
    check: { root },
    monitorFactory: () => ({
      get running() { return running; },
      start: () => {},
      stop: () => { running = false; },
      snapshot: () => { throw new Error('EBADF'); },
    }),
  });
  t.true(reading.measuring);
  t.is(reading.runqueueLatency().size, 0, 'a failed read gives an empty snapshot, not an exception');
  t.true(reading.status().problems.some((p) => p.includes('EBADF')));
  reading.stop();
  t.false(reading.measuring);
});

test('decodeRqlatHist and the bucket bounds', (t) => {
  t.is(RQLAT_BUCKET_BOUNDS_SECONDS.length, SLO_RQLAT_BUCKETS);
  t.is(RQLAT_BUCKET_BOUNDS_SECONDS[0], 1e-6);
  t.is(RQLAT_BUCKET_BOUNDS_SECONDS[10], 1024e-6);
  t.is(RQLAT_BUCKET_BOUNDS_SECONDS[SLO_RQLAT_BUCKETS - 2], 2 ** 22 / 1e6);
  t.is(RQLAT_BUCKET_BOUNDS_SECONDS.at(-1), Infinity);
  const buf = Buffer.alloc(RQLAT_HIST.size);
  buf.writeBigUInt64LE(6n, 0);
  buf.writeBigUInt64LE(2n ** 40n + 5n, 8);
  buf.writeBigUInt64LE(2n, 16);
  buf.writeBigUInt64LE(1000n, 24);
  buf.writeBigUInt64LE(1n, 32);
  buf.writeBigUInt64LE(3n, 32 + 8 * 5);
  buf.writeBigUInt64LE(2n, 32 + 8 * (SLO_RQLAT_BUCKETS - 1));
  const h = decodeRqlatHist(buf);
  t.is(h.count, 6);
  t.is(h.sumNs, 2 ** 40 + 5);
  t.is(h.requeueCount, 2);
  t.is(h.requeueSumNs, 1000);
  t.deepEqual(h.buckets.filter((b) => b.count > 0), [
    { leSeconds: 1e-6, count: 1 },
    { leSeconds: 32e-6, count: 3 },
    { leSeconds: Infinity, count: 2 },
  ]);
  const cum = cumulativeBuckets(h);
  t.is(cum[4]!.count, 1);
  t.is(cum[5]!.count, 4);
  t.is(cum.at(-1)!.count, 6);
});
