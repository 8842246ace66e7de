// Monitoring-only mode of `scx-slo run --fallback-monitor`: on a kernel where the
// scheduler cannot attach (no sched_ext, another scheduler attached) the agent stays up
// instead of crash-looping. It says why in its log, in /metrics (scx_slo_mode{mode=
// "monitor"}) and in `scx-slo status`; it still runs the SLO sources (so pods are known)
// and measures every workload's run-queue latency from BPF programs on the scheduler's
// tracepoints, exported as scx_slo_runqueue_latency_seconds.
import type { Server } from 'node:net';
import type { RunOptions } from './run-options.js';
import { MonitorMode } from '../agent/monitor/monitor-mode.js';
import { MemorySloStore } from '../agent/slo/slo-store.js';
import { startSloSources } from '../agent/slo/slo-sources.js';
import { serveControlSocket } from '../agent/serving/control-socket.js';
import { startAgentHttpServer } from '../agent/metrics/agent-http-server.js';
import { CgroupOwnerIndex } from '../agent/metrics/cgroup-owner-index.js';

export async function runMonitorOnly(opts: RunOptions, why: string[], log: (line: string) => void): Promise<number> {
  const monitor = MonitorMode.start({ why, log });
  const sources = await startSloSources(opts, new MemorySloStore(), log);
  const http = opts.metricsPort === 0 ? undefined : await startAgentHttpServer({
    port: opts.metricsPort,
    host: opts.metricsHost,
    overload: opts.overload,
    stats: monitor,
    workloads: sources.registry,
    sources: sources.sources,
    configErrors: sources.configErrors,
    grantClamps: sources.grantClamps,
    runqueueLatency: { read: () => monitor.runqueueLatency(), owners: new CgroupOwnerIndex(opts.cgroupRoot, sources.registry) },
    log: { warn: (m: string) => log(m) },
  });
  if (http) log(`serving /metrics, /healthz, /readyz, /overload on ${http.url}`);
  let control: Server | undefined;
  try {
    control = await serveControlSocket(opts.controlSocket, async (req) => {
      if (req.cmd === 'policy-set') throw new Error('monitoring-only mode: no scheduler attached, so there is no policy to set');
      return { ...monitor.status(), policy: '', counters: {}, transport: {}, slos: {}, cgroups: {} };
    });
  } catch (err) {
    log(`control socket ${opts.controlSocket}: ${(err as Error).message}; continuing without it`);
  }
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log(`stopping monitoring-only mode (${signal})`);
  control?.close();
  await http?.close();
  await sources.close();
  monitor.stop();
  return 0;
}
