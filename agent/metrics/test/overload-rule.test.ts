// The overload rule is the operator's: --overload-window-ms and --overload-slack-ms reach
// scx_slo_pod_overloaded (and /overload) instead of the built-in 50 ms / late-only rule.
import test from 'ava';
import { createAgentMetrics } from '../agent-metrics.js';
import { WorkloadRegistry } from '../../slo/workload-registry.js';
import { parseRunOptions } from '../../../cli/run-options.js';
import { UsageError } from '../../../cli/command.js';
import { FakeStats } from './fake-stats.js';
import { parsePrometheusText } from './prometheus-text.js';

async function overloaded(rule: { windowMs: number; slackThresholdMs: number } | undefined): Promise<number | undefined> {
  const stats = new FakeStats();
  const registry = new WorkloadRegistry();
  registry.set({ cgroupId: 11, cgroupPath: 'kubepods/podA', pod: { namespace: 'shop', name: 'front', uid: 'a' }, source: 'kubernetes' });
  const now = stats.snap.takenAtNs;
  // A miss 200 ms ago; the latest run 1 ms ago started with 2 ms of slack.
  stats.cgroup(11, { runs: 10, misses: 1, lastRunNs: now - 1e6, lastMissNs: now - 200e6, lastSlackNs: 2e6 });
  const text = await createAgentMetrics({ stats, workloads: registry, processMetrics: false, overloadRule: rule }).render();
  return parsePrometheusText(text).get('scx_slo_pod_overloaded')!.samples[0]?.value;
}

test('the default rule: a 200 ms old miss and a run with slack left is not overloaded', async (t) => {
  t.is(await overloaded(undefined), 0);
});

test('a longer window or a slack threshold above the run\'s slack makes it overloaded', async (t) => {
  t.is(await overloaded({ windowMs: 500, slackThresholdMs: 0 }), 1);
  t.is(await overloaded({ windowMs: 50, slackThresholdMs: 5 }), 1);
});

test('the flags set the rule, with the defaults when absent, and bad values name the flag', (t) => {
  t.deepEqual(parseRunOptions([], {}).overload, { windowMs: 50, slackThresholdMs: 0 });
  t.deepEqual(parseRunOptions(['--overload-window-ms', '500', '--overload-slack-ms', '5'], {}).overload, { windowMs: 500, slackThresholdMs: 5 });
  t.throws(() => parseRunOptions(['--overload-window-ms', '0'], {}), { instanceOf: UsageError, message: /--overload-window-ms: .* got "0"/ });
  t.throws(() => parseRunOptions(['--overload-slack-ms', 'soon'], {}), { instanceOf: UsageError, message: /--overload-slack-ms: .* got "soon"/ });
});
