// A scrape storm cannot slow the scheduler: the real HTTP server, fed by the real
// slo_cg_stats reader over a real BPF LRU hash map filled to the scheduler's 16,384
// entries, is hit by 200 concurrent /metrics scrapes (three rounds, from another
// process, asking for gzip as Prometheus does; then once more without), while this
// process's event loop, the agent's decision loop's, is watched: the longest stretch it
// was held by this thread's own work (LoopBlockMonitor: thread CPU time between ticks)
// must stay under the agent's stall bound (50 ms). perf_hooks.monitorEventLoopDelay's
// wall-clock delay is measured and logged too, next to an idle control of the same
// length: on this shared host it also counts the time the OS gave other processes (an
// idle process sees 80-100 ms), so the assertion cannot be on it. Before the fix one
// render of this map held the loop for about a second of CPU.
import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { BpfMapType, createBpfMap, u64Key } from '../../bpf/bpf-map.js';
import { readCgroupStats, readCgroupStatsSliced } from '../../kernel/cgroup-stats-reader.js';
import { SLO_CG_STATS, CPU_STATS_COUNTERS, SLO_LAG_BUCKETS, type CpuStatsCounter } from '../../kernel/kernel-abi.js';
import type { CgroupSloStats, SchedulerSnapshot, SchedulerStatsSource } from '../../kernel/scheduler-stats.js';
import { WorkloadRegistry } from '../../slo/workload-registry.js';
import { startAgentHttpServer } from '../agent-http-server.js';
import { LoopBlockMonitor } from './loop-block-monitor.js';
import { parsePrometheusText } from './prometheus-text.js';

const ENTRIES = 16_384; // max_entries of slo_cg_stats in bpf/scx_slo.bpf.c
const STALL_BOUND_MS = 50; // the agent's default --stall-ms
const CLIENT = fileURLToPath(new URL('./scrape-client.js', import.meta.url));

/** The live scheduler's stats source, reduced to the map it reads per workload. */
class MapStatsSource implements SchedulerStatsSource {
  reads = 0;
  constructor(private readonly map: ReturnType<typeof createBpfMap>) {}
  private snap(cgroups: Map<number, CgroupSloStats>): SchedulerSnapshot {
    this.reads += 1;
    return {
      mode: 'sched_ext', opsName: 'slo', policy: 'edf', takenAtNs: Number(process.hrtime.bigint()),
      counters: Object.fromEntries(CPU_STATS_COUNTERS.map((c) => [c, 0])) as Record<CpuStatsCounter, number>,
      lagHistogram: new Array<number>(SLO_LAG_BUCKETS).fill(0),
      cgroups,
    };
  }
  snapshot(): SchedulerSnapshot {
    return this.snap(readCgroupStats(this.map));
  }
  async snapshotAsync(): Promise<SchedulerSnapshot> {
    return this.snap(await readCgroupStatsSliced(this.map));
  }
}

test('200 concurrent scrapes of 16,384 workloads keep the event loop under the stall bound', async (t) => {
  const map = createBpfMap('slo_cg_stats', BpfMapType.LRU_HASH, 8, SLO_CG_STATS.size, ENTRIES);
  t.teardown(() => map.close());
  const registry = new WorkloadRegistry();
  const value = Buffer.alloc(SLO_CG_STATS.size);
  for (let id = 1; id <= ENTRIES; id++) {
    value.writeBigUInt64LE(BigInt(id), SLO_CG_STATS.offset.runs);
    value.writeBigUInt64LE(BigInt(id % 7), SLO_CG_STATS.offset.misses);
    map.update(u64Key(id), value);
    registry.set({ cgroupId: id, cgroupPath: `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${id}.slice`,
      pod: { namespace: 'tenant', name: `pod-${id}`, uid: `uid-${id}` }, source: 'kubernetes' });
  }
  const stats = new MapStatsSource(map);
  const server = await startAgentHttpServer({ port: 0, host: '127.0.0.1', stats, workloads: registry, processMetrics: false });
  t.teardown(() => server.close());

  const run = promisify(execFile);
  const watch = async <T>(what: () => Promise<T>) => {
    const delay = monitorEventLoopDelay({ resolution: 5 });
    const blocks = new LoopBlockMonitor(5).start();
    delay.enable();
    const started = performance.now();
    const out = await what();
    const seconds = (performance.now() - started) / 1000;
    delay.disable();
    blocks.stop();
    const ms = (v: number): string => (v / 1e6).toFixed(1);
    return { out, seconds, blockMs: blocks.maxBlockMs, text: `loop delay p50 ${ms(delay.percentile(50))} / p99 ${ms(delay.percentile(99))} / max ` +
      `${ms(delay.max)} ms, longest block by our own work ${blocks.maxBlockMs.toFixed(1)} ms` };
  };
  const idle = await watch(() => new Promise((r) => setTimeout(r, 3000)));
  t.log(`idle control, 3 s: ${idle.text}`);
  for (const encoding of ['gzip', 'identity']) {
    const readsBefore = stats.reads;
    const storm = await watch(() => run(process.execPath, [CLIENT, `${server.url}/metrics`, '200', encoding === 'gzip' ? '3' : '1'],
      { maxBuffer: 1 << 20, env: { ...process.env, ENCODING: encoding } }));
    const result = JSON.parse(storm.out.stdout) as { ok: number; failed: number; bytes: number };
    t.log(`storm (${encoding}): ${result.ok} scrapes served, ${result.failed} refused, ${(result.bytes / 1e6).toFixed(0)} MB in ${storm.seconds.toFixed(1)} ` +
      `s, ${stats.reads - readsBefore} map reads; ${storm.text}`);
    t.true(result.ok >= 64, 'at least the connection cap of scrapes were served');
    t.true(storm.blockMs < STALL_BOUND_MS, `${encoding}: the event loop was held ${storm.blockMs.toFixed(1)} ms at a stretch`);
    t.true(stats.reads - readsBefore <= Math.ceil(storm.seconds) + 1, `${stats.reads - readsBefore} map reads in ${storm.seconds.toFixed(1)} s: ` +
      `at most one a second`);
  }

  // What was served is complete: every workload in the map (an LRU map keeps most of
  // the 16,384 written), by pod.
  const inMap = readCgroupStats(map);
  t.true(inMap.size > 15_000);
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const runs = parsePrometheusText(text).get('scx_slo_workload_runs_total');
  t.is(runs?.samples.length, inMap.size);
  const someId = [...inMap.keys()].at(-1)!;
  t.is(runs?.samples.find((s) => s.labels['pod'] === `pod-${someId}`)?.value, someId);
});
