// Benchmark: simulator throughput in events per second on the noisy-neighbour scenario
// with 64 CPUs (5 s simulated), replayed through the default policy (edf) several times
// after a warm-up (fair and fifo are shown for comparison). Prints each run, the median
// and the spread of wall-clock rates, and the median rate per CPU-second of this process
// (less disturbed by other load on the machine); the last line is
// `sim-events: <wall-clock median> events/s`. Events are the simulation events
// processed: wake-ups, CPU timers (burst or slice end) and agent deliveries.
// Run with `node dist/bench/sim-events.js [runs]`.
import { BUILTIN_POLICIES } from '../policy/registry.js';
import { simulate } from '../sim/engine.js';
import { SCENARIOS } from '../sim/scenarios/index.js';
import { DEFAULT_MODEL } from '../sim/sim-model.js';

const CPUS = 64;
const DURATION_NS = 5_000_000_000;
const runs = Math.max(3, Number(process.argv[2] ?? 7) || 7);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const workload = SCENARIOS.get('noisy-neighbour')!.generate({ cpus: CPUS, durationNs: DURATION_NS, seed: 1 });
const model = { ...DEFAULT_MODEL, cpus: CPUS, durationNs: DURATION_NS };
let edfMedian = 0;
console.log(`noisy-neighbour: ${CPUS} CPUs, ${DURATION_NS / 1e9} s simulated, ${workload.tasks.length} tasks, ${workload.opKind.length} ops; ` +
  `node ${process.version}`);

for (const name of ['edf', 'fair', 'fifo']) {
  const mod = BUILTIN_POLICIES.get(name)!;
  simulate(workload, mod, model); // warm-up (JIT)
  const rates: number[] = [];
  const cpuRates: number[] = [];
  let events = 0;
  const count = name === 'edf' ? runs : 3;
  for (let i = 0; i < count; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const r = simulate(workload, mod, model);
    const ns = Number(process.hrtime.bigint() - t0);
    const cpu = process.cpuUsage(cpu0);
    events = r.totals.events;
    rates.push(events / (ns / 1e9));
    cpuRates.push(events / ((cpu.user + cpu.system) / 1e6));
  }
  const med = median(rates);
  const lo = Math.min(...rates);
  const hi = Math.max(...rates);
  console.log(`${name.padEnd(4)} ${events} events per replay; runs: ${rates.map((r) => (r / 1e6).toFixed(2)).join(' ')} M events/s`);
  console.log(`${name.padEnd(4)} median ${(med / 1e6).toFixed(2)} M events/s, spread ${(lo / 1e6).toFixed(2)}..${(hi / 1e6).toFixed(2)} ` +
    `(${(((hi - lo) / med) * 100).toFixed(0)}% of median); per CPU-second: median ${(median(cpuRates) / 1e6).toFixed(2)} M`);
  if (name === 'edf') edfMedian = med;
}
console.log(`sim-events: ${Math.round(edfMedian)} events/s`);
