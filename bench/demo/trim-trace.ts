// Cuts a head-to-head trace (trace-cmd report text from guest-run.ts) down to a test
// fixture: the `cpus=` header, `#` comment lines naming the probe's process id and the
// SLOs (the importer skips `#` lines), then the events from the probe's first
// appearance on, stopping at a line boundary before --max-bytes.
//
//   node dist/bench/demo/trim-trace.js --dir RESULTS_DIR --out FIXTURE [--max-bytes 290000]
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RawRun } from './raw-results.js';

export function trimTrace(text: string, probePid: number, maxBytes: number, comments: string[]): string {
  const lines = text.split('\n');
  const header = lines.filter((l) => l.startsWith('cpus=')).slice(0, 1);
  const first = lines.findIndex((l) => l.includes(`cyclictest:${probePid} `) || l.includes(`cyclictest-${probePid} `));
  const out = [...header, ...comments.map((c) => `# ${c}`)];
  let bytes = out.reduce((s, l) => s + l.length + 1, 0);
  for (let i = Math.max(0, first); i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '' || l.startsWith('cpus=')) continue;
    if (bytes + l.length + 1 > maxBytes) break;
    out.push(l);
    bytes += l.length + 1;
  }
  return `${out.join('\n')}\n`;
}

function main(): void {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, out: { type: 'string' }, 'max-bytes': { type: 'string', default: '290000' } } });
  if (!values.dir || !values.out) {
    console.error('usage: node dist/bench/demo/trim-trace.js --dir RESULTS_DIR --out FIXTURE [--max-bytes N]');
    process.exit(2);
  }
  const dir = resolve(values.dir);
  const run = JSON.parse(readFileSync(join(dir, 'raw.json'), 'utf8')) as RawRun;
  if (!run.trace) throw new Error('this run recorded no default-scheduler trace');
  const slos = run.config.slos;
  const text = trimTrace(readFileSync(join(dir, run.trace.file), 'utf8'), run.trace.probePid, Number(values['max-bytes']), [
    `scx-slo head-to-head trace (bench/demo.sh): kernel ${run.kernel}, ${run.cpus} vCPUs (QEMU TCG), default scheduler, recorded ${run.startedAt}`,
    `workload: cyclictest -p 0 --policy=other -i ${run.config.probeIntervalUs} --refresh_on_max in cgroup ls (SLO ${slos['ls']!.budgetMs} ` +
      `ms:${slos['ls']!.importance}), ` +
      `stress-ng --cpu ${run.config.stressors} --cpu-method ${run.config.stressMethod} in cgroup batch (SLO ${slos['batch']!.budgetMs} ` +
      `ms:${slos['batch']!.importance})`,
    `probe process (cyclictest main thread) pid ${run.trace.probePid}; its threads ${run.trace.probeTids.join(' ')}`,
    'trimmed by bench/demo/trim-trace.ts: starts at the probe\'s first event, cut at a line boundary',
  ]);
  writeFileSync(resolve(values.out), text);
  console.log(`${values.out}: ${text.length} bytes, ${text.split('\n').length} lines`);
}

if (process.argv[1] && resolve(process.argv[1]).endsWith('trim-trace.js')) main();
