// What the build says about itself: scx_slo_build_info in /metrics and `scx-slo --version`
// carry package.json's version, the commit `make build` recorded and the running kernel.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { createAgentMetrics } from '../agent-metrics.js';
import { buildInfo, versionLine } from '../build-info.js';
import { WorkloadRegistry } from '../../slo/workload-registry.js';
import { REPO_ROOT } from '../../bpf/test/bpf-fixture.js';
import { FakeStats } from './fake-stats.js';
import { parsePrometheusText } from './prometheus-text.js';

const pkgVersion = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const recordedCommit = (JSON.parse(readFileSync(join(REPO_ROOT, 'dist', 'build-info.json'), 'utf8')) as { commit: string }).commit;

test('build info has the package version, the commit make build recorded and this kernel', (t) => {
  const b = buildInfo();
  t.is(b.version, pkgVersion);
  t.is(b.commit, recordedCommit);
  t.not(b.commit, '');
  t.is(b.kernel, release());
});

test('/metrics exports scx_slo_build_info{version,commit,kernel} 1', async (t) => {
  const text = await createAgentMetrics({ stats: new FakeStats(), workloads: new WorkloadRegistry(), processMetrics: false }).render();
  const f = parsePrometheusText(text).get('scx_slo_build_info')!;
  t.is(f.type, 'gauge');
  t.deepEqual(f.samples.map((s) => [s.labels, s.value]), [[{ version: pkgVersion, commit: recordedCommit, kernel: release() }, 1]]);
});

test('scx-slo --version and -V print the version line and exit 0', (t) => {
  const cli = join(REPO_ROOT, 'dist', 'cli', 'main.js');
  for (const flag of ['--version', '-V']) {
    const out = execFileSync(process.execPath, [cli, flag], { encoding: 'utf8' });
    t.is(out.trim(), versionLine());
    t.true(out.startsWith(`scx-slo ${pkgVersion} (commit ${recordedCommit}`));
  }
});
