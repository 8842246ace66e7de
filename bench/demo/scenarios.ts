// The head-to-head's scenarios: the node layouts the demo measures, each a
// latency-sensitive workload (role `ls`) next to CPU-bound batch (role `batch`) in their
// own cgroups with SLOs for the agent's config file.
//   service  the main scenario, a Kubernetes-shaped node: under a kubepods-like parent, a
//            service pod requesting 250m (bench/service/slo-service.c: open-loop requests,
//            exponential inter-arrival 10 ms mean, 2 ms of CPU each, 2 worker threads) and
//            batch pods requesting 1750m in all (stress-ng, 2 hogs per CPU), cpu.weight
//            from kubelet's conversion (sim/kubelet-cpu-weight.ts);
//   probe    the wake-up probe: cyclictest (SCHED_OTHER, every 5 ms) in `ls` next to the
//            same batch in `batch`, at equal (default) weights.
import { describeKubeletCpuWeight, kubeletCpuWeight } from '../../sim/kubelet-cpu-weight.js';

export const SCENARIO_NAMES = ['service', 'probe'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export function isScenarioName(s: string): s is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(s);
}

export interface Slo {
  budgetMs: number;
  importance: number;
}

export interface ScenarioCgroup {
  /** Path under the cgroup v2 root. */
  path: string;
  /** cpu.weight in every row but default-tuned. */
  weight: number;
  /** The CPU request behind the weight (millicores), when kubelet's conversion set it. */
  requestMilli: number | null;
}

export interface ScenarioLayout {
  name: ScenarioName;
  description: string;
  /** The kubepods-like parent (created with the cpu controller enabled), if any. */
  parent: ScenarioCgroup | null;
  ls: ScenarioCgroup & { slo: Slo };
  batch: ScenarioCgroup & { slo: Slo };
  /** The ls cgroup's cpu.weight in the default-tuned row (an operator's hand tuning). */
  tunedWeight: number;
  /** How the weights were derived, one line per cgroup (printed by the demo). */
  weightNotes: string[];
}

/** The service's workload (slo-service options). */
export const SERVICE_WORKLOAD = { meanUs: 10_000, workUs: 2000, threads: 2, graceS: 10 } as const;

/** The cgroup v2 maximum cpu.weight: what an operator sets by hand to favour the service. */
export const TUNED_WEIGHT = 10_000;

const NODE_MILLI = 2000;
const SERVICE_MILLI = 250;
const BATCH_MILLI = 1750;

export function scenarioLayout(name: ScenarioName): ScenarioLayout {
  if (name === 'service') {
    return {
      name,
      description: `a Kubernetes-shaped node: service pod (${SERVICE_MILLI}m, slo-service: open-loop, ${SERVICE_WORKLOAD.workUs / 1000} ms ` +
        `of CPU per request, ` +
        `exponential arrivals every ${SERVICE_WORKLOAD.meanUs / 1000} ms on average, ${SERVICE_WORKLOAD.threads} workers) and batch pods (${BATCH_MILLI}m, ` +
        `stress-ng) under kubepods.slice`,
      parent: { path: 'kubepods.slice', weight: kubeletCpuWeight(NODE_MILLI), requestMilli: NODE_MILLI },
      ls: { path: 'kubepods.slice/service', weight: kubeletCpuWeight(SERVICE_MILLI), requestMilli: SERVICE_MILLI, slo: { budgetMs: 20, importance: 90 } },
      batch: { path: 'kubepods.slice/batch', weight: kubeletCpuWeight(BATCH_MILLI), requestMilli: BATCH_MILLI, slo: { budgetMs: 1000, importance: 10 } },
      tunedWeight: TUNED_WEIGHT,
      weightNotes: [
        `kubepods.slice (node allocatable ${NODE_MILLI}m): ${describeKubeletCpuWeight(NODE_MILLI)}`,
        `service (request ${SERVICE_MILLI}m): ${describeKubeletCpuWeight(SERVICE_MILLI)}`,
        `batch (requests ${BATCH_MILLI}m in all): ${describeKubeletCpuWeight(BATCH_MILLI)}`,
      ],
    };
  }
  return {
    name,
    description: 'the wake-up probe: cyclictest -p 0 --policy=other -i 5000 in ls next to stress-ng in batch, equal cgroup weights',
    parent: null,
    ls: { path: 'ls', weight: 100, requestMilli: null, slo: { budgetMs: 5, importance: 90 } },
    batch: { path: 'batch', weight: 100, requestMilli: null, slo: { budgetMs: 500, importance: 10 } },
    tunedWeight: TUNED_WEIGHT,
    weightNotes: ['ls and batch at the default cpu.weight 100'],
  };
}

/** The agent's config file (YAML) for the SLOs of these scenarios' cgroups. */
export function agentConfigYaml(layouts: readonly ScenarioLayout[]): string {
  const lines = ['cgroups:'];
  for (const l of layouts) {
    for (const g of [l.ls, l.batch]) lines.push(`  ${g.path}:`, `    budgetMs: ${g.slo.budgetMs}`, `    importance: ${g.slo.importance}`);
  }
  return `${lines.join('\n')}\n`;
}
