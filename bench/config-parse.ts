// Benchmark: parsing the config-file SLO source's YAML (agent/slo/slo-config-file.ts)
// with 2,000, 8,515 and 20,000 entries, in the documented shape (flow entries: the fast
// path) and in block YAML with quoted keys (the YAML library's path), 5 runs each; wall
// median and CPU time of this process. The last line is `config-parse: <median> ms` for
// 20,000 flow entries (goal: under 1 s). Run with `node dist/bench/config-parse.js`.
import { parseSloConfig } from '../agent/slo/slo-config-file.js';

const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function flowFile(n: number): string {
  const lines = ['# generated', 'cgroups:'];
  for (let i = 0; i < n; i++) lines.push(`  system.slice/svc-${i}.service: { budgetMs: ${1 + (i % 500)}, importance: ${1 + (i % 100)} }`);
  return `${lines.join('\n')}\n`;
}

function quotedBlockFile(n: number): string {
  const lines = ['cgroups:'];
  for (let i = 0; i < n; i++) lines.push(`  "system.slice/svc-${i}.service":`, `    budgetMs: "${1 + (i % 500)}ms"`, `    importance: ${1 + (i % 100)}`);
  return `${lines.join('\n')}\n`;
}

let last = 0;
for (const [shape, make] of [['yaml-library', quotedBlockFile], ['flow', flowFile]] as const) {
  for (const n of [2000, 8515, 20000]) {
    const text = make(n);
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const parsed = parseSloConfig(text, 'bench.yaml');
      wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      if (parsed.entries.length !== n) throw new Error(`${shape} ${n}: parsed ${parsed.entries.length} entries`);
    }
    console.log(`${shape.padEnd(12)} ${String(n).padStart(6)} entries (${(text.length / 1e6).toFixed(2)} MB): wall median ${median(wall).toFixed(0)} ms (min ` +
      `${Math.min(...wall).toFixed(0)}), CPU median ${median(cpu).toFixed(0)} ms`);
    if (shape === 'flow' && n === 20000) last = median(wall);
  }
}
console.log(`config-parse: ${last.toFixed(0)} ms`);
