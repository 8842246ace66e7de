// The agent's HTTP server for `scx-slo run`: /metrics, /healthz, /readyz and the
// per-pod /overload endpoint (agent/metrics, agent/overload), fed by the scheduler's
// stats and the SLO sources. --metrics-port 0 turns it off.
import type { SchedulerStatsSource } from '../kernel/scheduler-stats.js';
import type { SloSources } from '../slo/slo-sources.js';
import { startAgentHttpServer } from '../metrics/agent-http-server.js';
import type { MissReporter } from '../metrics/miss-reporter.js';
import type { OverloadRule } from '../overload/overload-state.js';

export interface Serving {
  close(): Promise<void>;
}

/** Where to listen (`scx-slo run --metrics-port/--metrics-host`); port 0 = no server. */
export interface ServingOptions {
  metricsPort: number;
  metricsHost: string;
  /** When a workload counts as overloaded (default: the 50 ms window, late runs only). */
  overload?: OverloadRule;
}

export interface ServingInputs {
  stats: SchedulerStatsSource;
  sources: SloSources;
  /** The kernel's deadline-miss events per workload, for /metrics. */
  missLateness?: MissReporter;
}

export async function startServing(opts: ServingOptions, inputs: ServingInputs, log: (line: string) => void): Promise<Serving> {
  if (opts.metricsPort === 0) return { close: async () => {} };
  const server = await startAgentHttpServer({
    port: opts.metricsPort,
    host: opts.metricsHost,
    overload: opts.overload,
    stats: inputs.stats,
    workloads: inputs.sources.registry,
    sources: inputs.sources.sources,
    configErrors: inputs.sources.configErrors,
    missLateness: inputs.missLateness,
    grantClamps: inputs.sources.grantClamps,
    log: { warn: (m: string) => log(m) },
  });
  log(`serving /metrics, /healthz, /readyz, /overload on ${server.url}`);
  return server;
}
