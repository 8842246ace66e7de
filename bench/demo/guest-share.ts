// `make bench-guest-share`'s report: from a raw.json of scx-slo edf cells (the
// head-to-head's scenario: the probe next to 2x CPU oversubscription, so the machine is
// saturated), the share of dispatches made by userspace decisions, per cell and pooled.
// The last line is `guest-share: <percent> %`.
//
//   node dist/bench/demo/guest-share.js --dir RESULTS_DIR
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RawRun } from './raw-results.js';
import { EMULATION_SHARE_NOTE } from './notes.js';
import { dispatchShares, lagQuantileNs, sumHistograms } from './summarize.js';
import { formatNs } from '../../sim/format-duration.js';

const { values } = parseArgs({ options: { dir: { type: 'string' } } });
if (!values.dir) {
  console.error('usage: node dist/bench/demo/guest-share.js --dir RESULTS_DIR');
  process.exit(2);
}
const run = JSON.parse(readFileSync(join(resolve(values.dir), 'raw.json'), 'utf8')) as RawRun;
const cells = run.cells.filter((c) => c.scheduler === 'slo-edf' && c.counters);
if (cells.length === 0) {
  console.error('guest-share: no scx-slo edf cell with counters in this run');
  process.exit(1);
}
const pooled: Record<string, number> = {};
for (const c of cells) {
  const s = dispatchShares(c.counters);
  console.log(`cell ${c.round}: userspace ${s ? (100 * s.userspace).toFixed(1) : '-'} %, fallback ${s ? (100 * s.fallback).toFixed(1) : '-'} %, direct ` +
    `${s ? (100 * s.direct).toFixed(1) : '-'} % of ${s?.dispatches ?? 0} dispatches`);
  for (const [k, v] of Object.entries(c.counters!)) pooled[k] = (pooled[k] ?? 0) + v;
}
const s = dispatchShares(pooled);
const lag = sumHistograms(cells.map((c) => c.lagHistogram));
console.log(`all ${cells.length} cells: userspace ${((s?.userspace ?? 0) * 100).toFixed(1)} %, fallback ${((s?.fallback ?? 0) * 100).toFixed(1)} % ` +
  `(${Object.keys(pooled).filter((k) => k.startsWith('fallback_')).map((k) => `${k.slice(9)} ${pooled[k]}`).join(', ')}), direct ` +
  `${((s?.direct ?? 0) * 100).toFixed(1)} %; ` +
  `decision lag p50 ~${formatNs(lagQuantileNs(lag, 0.5))}, p90 ~${formatNs(lagQuantileNs(lag, 0.9))}; stale decisions ${pooled['stale_decisions'] ?? 0}`);
if (s?.decidedInTime != null) console.log(`of the tasks handed to userspace, ${(100 * s.decidedInTime).toFixed(1)} % ran by its decision; the kernel ran the ` +
  `rest first (lag bound of ${run.config.lagMs} ms passed, or a CPU would have idled)`);
console.log('direct = queued by the kernel without asking userspace: the agent\'s own threads, kernel threads, and tasks whose deadline is nearer than the ' +
  'lag bound (the probe)');
console.log(EMULATION_SHARE_NOTE);
console.log(`guest-share: ${((s?.userspace ?? 0) * 100).toFixed(1)} %`);
