// The head-to-head's summary.json (report.ts) as the Markdown section that opens
// bench/RESULTS.md: per scenario the rows' figures, the traced wake-to-run, the variant
// rows' settings, the agent's loop and threads (runs that recorded them) and the goals,
// generated from the run's JSON so the page says exactly what the run measured.
//
//   node dist/bench/demo/results-md.js --summary bench/results/demo-.../summary.json [--into bench/RESULTS.md]
// With --into, the section replaces what stands between the file's
// `<!-- demo:current:begin -->` and `<!-- demo:current:end -->` lines.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatNs } from '../../sim/format-duration.js';
import { agentLoopLine, type AgentRowFigures, type Goal, type RowFigures } from './summarize.js';

/** A row of summary.json: summarize.ts's RowFigures, the agent's figures absent from older summaries. */
type Row = Omit<RowFigures, keyof AgentRowFigures> & AgentRowFigures;

/** The rows whose label names their settings (variant rows: slo-edf-alt, slo-edf-alt2). */
const VARIANT_ROWS = new Set(['slo-edf-alt', 'slo-edf-alt2']);

interface ScenarioDoc {
  schedulers: Record<string, Row>;
  goals: Goal[];
  layout: { description: string; ls: { path: string; weight: number; slo: { budgetMs: number; importance: number } }; batch: { path: string; weight: number };
    tunedWeight: number; weightNotes: string[] };
  details: Record<string, { label: string; spread: Record<string, { min: number; max: number } | null>;
    guest_cpu: { ls: number | null; batch: number | null } }>;
  traced_wake_to_run: Record<string, { p50_ns: number | null; p99_ns: number | null; count: number }>;
  fidelity: { available?: boolean; reason?: string | null; simRatio?: number | null; measuredRatio?: number | null; ratioMet?: boolean | null;
    withinMet?: boolean | null } | null;
}

interface SummaryDoc {
  started_at: string;
  machine: { kernel: string; cpus: number; host: string | null };
  measured_build: string[] | null;
  config: { rounds: number; probeSeconds: number; agent?: { workers: number; lagMs: number; wakeBatch?: number; wakeAfterUs?: number } };
  scenarios: Record<string, ScenarioDoc>;
}

const ns = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : formatNs(v));
const pct = (v: number | null | undefined, d = 1): string => (v === null || v === undefined ? '-' : `${(100 * v).toFixed(d)}%`);
const num = (v: number | null | undefined, d = 2): string => (v === null || v === undefined ? '-' : v.toFixed(d));

export function resultsMarkdown(doc: SummaryDoc): string {
  const out: string[] = [];
  const commit = doc.measured_build?.[0] ?? 'unknown build';
  out.push(`## Current head-to-head: \`make demo\` (${doc.started_at.slice(0, 16).replace('T', ' ')} UTC)`);
  out.push('');
  out.push(`Generated from the run's \`summary.json\` by \`bench/demo/results-md.ts\`. Guest: ${doc.machine.cpus} vCPUs, QEMU TCG, kernel ` +
    `${doc.machine.kernel}; ` +
    `${doc.config.rounds} rounds interleaved, ${doc.config.probeSeconds} s per cell; ${commit}.` +
    (doc.config.agent ? ` scx-slo rows: agent \`--workers ${doc.config.agent.workers} --lag-ms ${doc.config.agent.lagMs}` +
      `${doc.config.agent.wakeBatch ? ` --wake-batch ${doc.config.agent.wakeBatch} --wake-after-us ${doc.config.agent.wakeAfterUs}` : ''}\`.` : '') +
    ' Times are emulated: compare rows, not absolute values.' + (doc.machine.host ? ` ${doc.machine.host}.` : ''));
  for (const [name, s] of Object.entries(doc.scenarios)) {
    const base = s.schedulers['default'];
    out.push('');
    out.push(`### ${name}: ${s.layout.description}`);
    out.push('');
    out.push(`SLO of ${s.layout.ls.path}: ${s.layout.ls.slo.budgetMs} ms / importance ${s.layout.ls.slo.importance}; cpu.weight ${s.layout.ls.weight} ` +
      `(default-tuned: ${s.layout.tunedWeight}), ${s.layout.batch.path} ${s.layout.batch.weight}.` +
      (s.layout.weightNotes.length > 1 ? ` kubelet's conversion: ${s.layout.weightNotes.join('; ')}.` : ''));
    out.push('');
    out.push('| row | rounds | p50 | p99 (min..max) | p99.9 | within budget | batch ops (vs default) | agent CPUs | user share | decided share | decision ' +
      'lag p50 | traced wake-to-run p50 / p99 |');
    out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const [id, r] of Object.entries(s.schedulers)) {
      const sp = s.details[id]?.spread['ls_p99_ns'];
      const w = s.traced_wake_to_run[id];
      const vs = base?.batch_ops && r.batch_ops !== null ? ` (${(r.batch_ops / base.batch_ops).toFixed(2)})` : '';
      out.push(`| ${id} | ${r.rounds} | ${ns(r.ls_p50_ns)} | ${ns(r.ls_p99_ns)} (${sp ? `${ns(sp.min)}..${ns(sp.max)}` : '-'}) | ${ns(r.ls_p999_ns)} | ` +
        `${pct(r.ls_within_budget)} | ` +
        `${r.batch_ops === null ? '-' : Math.round(r.batch_ops)}${vs} | ${num(r.agent_cpu)} | ${pct(r.user_share, 0)} | ${pct(r.decided_share, 0)} | ` +
        `${ns(r.decision_lag_p50_ns)} | ` +
        `${w ? `${ns(w.p50_ns)} / ${ns(w.p99_ns)}` : '-'} |`);
    }
    const variants = Object.keys(s.schedulers).filter((id) => VARIANT_ROWS.has(id));
    // Rows whose agent ran during the cells (slo-fallback's was stopped: no figures).
    const agents = Object.entries(s.schedulers).flatMap(([id, r]) => agentLoopLine(`${id} agent`, r) ?? []);
    if (variants.length > 0 || agents.length > 0) out.push('');
    for (const id of variants) out.push(`- ${id}: ${s.details[id]?.label ?? '-'}`);
    for (const line of agents) out.push(`- ${line}`);
    out.push('');
    out.push('Goals (scx-slo edf):');
    out.push('');
    for (const g of s.goals) out.push(`- ${g.goal}: ${g.measured} -> **${g.met === null ? 'NOT MEASURED' : g.met ? 'MET' : 'NOT MET'}**`);
    const f = s.fidelity;
    if (f && f.available === false) out.push(`- simulator fidelity: not compared (${f.reason})`);
    else if (f && f.available) out.push(`- simulator fidelity: sim edf/eevdf p99 ${num(f.simRatio)} vs measured ${num(f.measuredRatio)} -> ` +
      `${f.ratioMet ? 'MET' : 'NOT MET'}; within budget -> ${f.withinMet === null ? 'not compared' : f.withinMet ? 'MET' : 'NOT MET'}`);
  }
  return `${out.join('\n')}\n`;
}

export const BEGIN = '<!-- demo:current:begin -->';
export const END = '<!-- demo:current:end -->';

/** `page` with the text between the BEGIN and END lines replaced by `section`. */
export function replaceSection(page: string, section: string): string {
  const a = page.indexOf(BEGIN);
  const b = page.indexOf(END);
  if (a < 0 || b < a) throw new Error(`--into: the file has no ${BEGIN} ... ${END} block`);
  return `${page.slice(0, a + BEGIN.length)}\n${section}${page.slice(b)}`;
}

function main(): void {
  const { values } = parseArgs({ options: { summary: { type: 'string' }, into: { type: 'string' } } });
  if (!values.summary) {
    console.error('usage: node dist/bench/demo/results-md.js --summary SUMMARY_JSON [--into RESULTS_MD]');
    process.exit(2);
  }
  const section = resultsMarkdown(JSON.parse(readFileSync(values.summary, 'utf8')) as SummaryDoc);
  if (values.into) writeFileSync(values.into, replaceSection(readFileSync(values.into, 'utf8'), section));
  else process.stdout.write(section);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) main();
