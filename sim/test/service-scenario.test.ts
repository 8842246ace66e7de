// Scenario `service`, the Kubernetes-shaped node `make demo` measures: kubelet's cgroup
// layout (cpu.weight from the pods' CPU requests), 2 workers on a shared queue of
// open-loop requests, 2x oversubscribing batch, and the eevdf baseline run both as the
// kernel default and hand-tuned (the service's cpu.weight raised by --baseline-cpu-weight).
import test from 'ava';
import { kubeletCpuWeight } from '../kubelet-cpu-weight.js';
import { policyJson } from '../result-json.js';
import { replayAll } from '../run-replays.js';
import { EEVDF_BASELINE } from '../replay-target.js';
import { SCENARIOS } from '../scenarios/index.js';
import { BATCH_CPU_REQUEST_MILLI, SERVICE_CPU_REQUEST_MILLI } from '../scenarios/service.js';
import type { GroupResult, SimResult } from '../sim-result.js';
import { Op, type Workload } from '../workload.js';
import { BUILTIN_POLICIES } from '../../policy/registry.js';
import { model } from './helpers.js';

const scenario = SCENARIOS.get('service')!;
const SECOND = 1_000_000_000;

function generate(seed: number, durationNs = 2 * SECOND, cpus = scenario.defaultCpus): Workload {
  return scenario.generate({ cpus, durationNs, seed });
}

function group(r: SimResult, name: string): GroupResult {
  const g = r.groups.find((x) => x.group.name === name);
  if (g === undefined) throw new Error(`no group ${name} in ${r.policy}`);
  return g;
}

test('the scenario lays out the node as kubelet would: 2 CPUs, a service pod and batch pods with cpu.weight from their CPU requests', (t) => {
  const w = generate(1);
  t.is(scenario.defaultCpus, 2);
  t.deepEqual(w.groups.map((g) => g.name), ['service', 'batch']);
  const [svc, batch] = w.groups;
  t.is(svc!.cpuWeight, kubeletCpuWeight(SERVICE_CPU_REQUEST_MILLI));
  t.is(batch!.cpuWeight, kubeletCpuWeight(BATCH_CPU_REQUEST_MILLI));
  t.is(svc!.cpuWeight, 10, 'kubelet: 250m -> 256 shares -> cpu.weight 10');
  t.is(batch!.cpuWeight, 69, 'kubelet: 1750m -> 1792 shares -> cpu.weight 69');
  t.deepEqual(svc!.slo, { budgetNs: 20_000_000, importance: 90 });
  t.deepEqual(batch!.slo, { budgetNs: 1_000_000_000, importance: 10 });
  t.is(svc!.kind, 'service');
  t.is(batch!.kind, 'batch');
  t.is(w.tasks.filter((k) => k.group === 0).length, 2, 'two service workers');
  t.is(w.tasks.filter((k) => k.group === 1).length, 4, 'four batch threads on two CPUs: 2x oversubscribed');
});

test('the workers serve one shared queue: each takes the next request, 2 ms of CPU, then answers it', (t) => {
  const w = generate(1);
  const arrivals = w.arrivalsNs?.[0];
  t.truthy(arrivals);
  for (const task of w.tasks.filter((k) => k.group === 0)) {
    const ops = Array.from(w.opKind.subarray(task.opStart, task.opEnd));
    t.is(ops.length, 3 * arrivals!.length, 'each worker can serve every request');
    t.deepEqual(ops.slice(0, 3), [Op.TAKE, Op.RUN, Op.DONE]);
    t.is(w.opArg[task.opStart + 1], 2_000_000);
    t.false(ops.includes(Op.REQUEST), 'no request is tied to one worker');
  }
});

test('the request schedule is seeded and open-loop: exponential gaps of 10 ms on average, the same for every scheduler', (t) => {
  const a = generate(1, 20 * SECOND).arrivalsNs![0]!;
  const again = generate(1, 20 * SECOND).arrivalsNs![0]!;
  const other = generate(2, 20 * SECOND).arrivalsNs![0]!;
  t.deepEqual(Array.from(a), Array.from(again), 'same seed, same schedule');
  t.notDeepEqual(Array.from(a.subarray(0, 10)), Array.from(other.subarray(0, 10)), 'another seed, another schedule');
  const meanGapMs = a[a.length - 1]! / a.length / 1e6;
  t.true(meanGapMs > 9.5 && meanGapMs < 10.5, `mean gap ${meanGapMs} ms`);
  const gaps = Array.from(a, (x, i) => x - (i === 0 ? 0 : a[i - 1]!));
  const cv = Math.sqrt(gaps.reduce((s, g) => s + (g - meanGapMs * 1e6) ** 2, 0) / gaps.length) / (meanGapMs * 1e6);
  t.true(cv > 0.9 && cv < 1.1, `coefficient of variation ${cv} (exponential: 1)`);
  // Open loop: every request arriving in the run is accounted for (done or unfinished
  // with its age), whichever scheduler replays it and however far behind it falls.
  const w = generate(1, 2 * SECOND);
  const expected = w.arrivalsNs![0]!.filter((x) => x < 2 * SECOND).length;
  const results = replayAll(w, [BUILTIN_POLICIES.get('edf')!, BUILTIN_POLICIES.get('fifo')!, EEVDF_BASELINE], model(2, 2 * SECOND));
  for (const r of results) {
    const svc = group(r, 'service');
    t.is(svc.requestsCompleted + svc.requestsUnfinished, expected, r.policy);
    t.is(svc.requestLatency!.count, expected, r.policy);
  }
});

test('request latency runs from the scheduled arrival: a request that waits for a busy worker counts its wait', (t) => {
  const w = generate(1, 2 * SECOND);
  const [r] = replayAll(w, [EEVDF_BASELINE], model(2, 2 * SECOND));
  const svc = group(r!, 'service');
  // Under the kernel default at cpu.weight 10 against 69 the workers fall behind, so the
  // tail is the queueing, far beyond the 2 ms of CPU a request needs.
  t.true(svc.requestLatency!.quantile(0.99)! > 10 * 2_000_000, `p99 ${svc.requestLatency!.quantile(0.99)!}`);
  t.true(svc.requestLatency!.quantile(0.5)! >= 2_000_000);
});

test('the hand-tuned baseline (service at cpu.weight 10000) gives the service a shorter tail than the kernel default, and changes nothing for edf', (t) => {
  const d = 5 * SECOND;
  const w = generate(3, d);
  const edf = BUILTIN_POLICIES.get('edf')!;
  const [edfDefault, eevdfDefault] = replayAll(w, [edf, EEVDF_BASELINE], model(2, d));
  const [edfTuned, eevdfTuned] = replayAll(w, [edf, EEVDF_BASELINE], model(2, d, { baselineCpuWeights: { service: 10_000 } }));
  const p99 = (r: SimResult): number => group(r, 'service').requestLatency!.quantile(0.99)!;
  t.true(p99(eevdfTuned!) < p99(eevdfDefault!) / 2, `tuned ${p99(eevdfTuned!)} vs default ${p99(eevdfDefault!)}`);
  t.is(group(edfTuned!, 'service').cpuNs, group(edfDefault!, 'service').cpuNs);
  const within = (r: SimResult): number => policyJson(r).groups['service']!.requests!.within_budget!;
  t.true(within(eevdfTuned!) > within(eevdfDefault!), `within 20 ms: tuned ${within(eevdfTuned!)} vs default ${within(eevdfDefault!)}`);
  const svc = group(edfDefault!, 'service');
  t.is(within(edfDefault!), svc.requestsWithinBudget / (svc.requestsCompleted + svc.requestsUnfinished));
  t.is(p99(edfTuned!), p99(edfDefault!));
  t.throws(() => replayAll(w, [EEVDF_BASELINE], model(2, d, { baselineCpuWeights: { servic: 10_000 } })),
    { message: /baselineCpuWeights names group "servic"/ });
  t.throws(() => replayAll(w, [EEVDF_BASELINE], model(2, d, { baselineCpuWeights: { service: 0 } })),
    { message: /baselineCpuWeights\["service"\] must be an integer in 1\.\.10000, got 0/ });
});
