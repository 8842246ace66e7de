// Benchmark: policy decisions per second, inline (no worker, no kernel), for each
// built-in policy at batch sizes 1, 64 and 1024: enqueue a batch of fresh TaskRecords
// (as the agent decodes them from the ring buffer) then dispatch it all. Repeated runs,
// median and spread of wall-clock rates, plus the median per CPU-second of this process;
// the last line is `policy-decisions: <wall-clock median> decisions/s` for edf at batch
// 1024. Run with `node dist/bench/policy-decisions.js`.
import { NICE0_WEIGHT, TaskFlags, type Policy, type PolicyModule, type SloEntry, type TaskRecord } from '../policy/api.js';
import { BUILTIN_POLICIES } from '../policy/registry.js';
import { edfDelayNs, sloOrDefault } from '../policy/deadline.js';

const BATCHES = [1, 64, 1024];
const RUNS = 7;
const RUN_MS = 400;
const TASKS = 4096;

/** The job's laxity for an SLO cgroup, as the kernel computes it. */
function delayOf(sloCgroupId: number): number {
  const slo = sloOrDefault(slos.get(sloCgroupId));
  return edfDelayNs(slo.budgetNs, slo.importance);
}

const slos = new Map<number, SloEntry>([
  [101, { budgetNs: 2_000_000, importance: 90 }],
  [102, { budgetNs: 10_000_000, importance: 70 }],
  [103, { budgetNs: 100_000_000, importance: 30 }],
]);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One timed run over about RUN_MS: decisions per wall-clock second and per CPU-second. */
function measure(mod: PolicyModule, batch: number): { wall: number; cpu: number } {
  const policy: Policy = mod.createPolicy({ nrCpus: 64, slos, options: {} });
  const seq = new Float64Array(TASKS);
  const runtime = new Float64Array(TASKS);
  let now = 0;
  let next = 0;
  let decisions = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(RUN_MS) * 1_000_000n;
  for (;;) {
    for (let i = 0; i < batch; i++) {
      const k = next;
      next = (next + 1) % TASKS;
      runtime[k]! += 50_000;
      const cg = 100 + (k % 4);
      const rec: TaskRecord = {
        pid: 1000 + k,
        tgid: 1000 + (k & ~7),
        cgroupId: cg,
        sloCgroupId: slos.has(cg) ? cg : 0,
        prevCpu: k % 64,
        enqNs: now,
        deadlineNs: now + delayOf(slos.has(cg) ? cg : 0),
        runtimeNs: runtime[k]!,
        weight: NICE0_WEIGHT,
        flags: k % 3 === 0 ? TaskFlags.SLICE_EXPIRED : TaskFlags.WAKEUP,
        seq: ++seq[k]!,
      };
      policy.enqueue(rec);
      now += 1_000;
    }
    let left = batch;
    while (left > 0) {
      const out = policy.dispatch(now, left);
      if (out.length === 0) throw new Error(`${mod.name}: dispatch returned nothing with ${left} queued`);
      decisions += out.length;
      left -= out.length;
    }
    if ((decisions & 0x3ff) < batch && process.hrtime.bigint() >= deadline) break;
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { wall: decisions / secs, cpu: decisions / ((cpu.user + cpu.system) / 1e6) };
}

let edf1024 = 0;
console.log(`policy decisions per second, inline, ${TASKS} tasks cycling, ${RUNS} runs of ~${RUN_MS} ms each; node ${process.version}`);
for (const mod of BUILTIN_POLICIES.values()) {
  for (const batch of BATCHES) {
    measure(mod, batch); // warm-up
    const runs = Array.from({ length: RUNS }, () => measure(mod, batch));
    const rates = runs.map((r) => r.wall);
    const med = median(rates);
    const spread = ((Math.max(...rates) - Math.min(...rates)) / med) * 100;
    const cpuMed = median(runs.map((r) => r.cpu));
    console.log(`${mod.name.padEnd(5)} batch ${String(batch).padStart(4)}: median ${(med / 1e6).toFixed(2)} M decisions/s (spread ${spread.toFixed(0)}%; per ` +
      `CPU-second ${(cpuMed / 1e6).toFixed(2)} M)`);
    if (mod.name === 'edf' && batch === 1024) edf1024 = med;
  }
}
console.log(`policy-decisions: ${Math.round(edf1024)} decisions/s`);
