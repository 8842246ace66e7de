// Parser for the output of the demo's service (bench/service/slo-service.c): its
// settings, every completed request's latency (scheduled arrival to completion) and the
// counts; and the latencies as a 1 us histogram, the shape the head-to-head's statistics
// (stats.ts) work on, with requests that never completed counted beyond its range.
import type { ProbeHistogram } from './probe-output.js';

export interface ServiceOutput {
  settings: Record<string, number>;
  /** Latencies of the completed requests, ns, in completion order. */
  latenciesNs: number[];
  scheduled: number;
  completed: number;
  /** Requests still unfinished when the service gave up waiting (its grace period). */
  unfinished: number;
  cpuNs: number;
  wallNs: number;
}

function fields(line: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of line.matchAll(/(\w+)=([\d.]+)/g)) out[m[1]!] = Number(m[2]);
  return out;
}

/** Null when the text has no closing counts line (the service did not finish). */
export function parseServiceOutput(text: string): ServiceOutput | null {
  let settings: Record<string, number> | null = null;
  let counts: Record<string, number> | null = null;
  const latenciesNs: number[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('lat_ns ')) {
      for (const v of line.slice(7).trim().split(/\s+/)) {
        const n = Number(v);
        if (!Number.isFinite(n)) throw new Error(`slo-service output: latency ${JSON.stringify(v)} is not a number`);
        latenciesNs.push(n);
      }
    } else if (line.startsWith('slo-service: scheduled=')) counts = fields(line);
    else if (line.startsWith('slo-service: duration_s=')) settings = fields(line);
  }
  if (!counts) return null;
  const need = (k: string): number => {
    const v = counts![k];
    if (v === undefined) throw new Error(`slo-service output: the counts line has no ${k}`);
    return v;
  };
  const out = {
    settings: settings ?? {},
    latenciesNs,
    scheduled: need('scheduled'),
    completed: need('completed'),
    unfinished: need('unfinished'),
    cpuNs: need('cpu_ns'),
    wallNs: need('wall_ns'),
  };
  if (out.completed !== latenciesNs.length) {
    throw new Error(`slo-service output: completed=${out.completed} but ${latenciesNs.length} latencies`);
  }
  return out;
}

/**
 * The latencies as a 1 us histogram; unfinished requests are its overflows (beyond any
 * latency it holds), so percentiles that reach them are flagged beyond range.
 */
export function serviceHistogram(o: ServiceOutput): ProbeHistogram {
  const counts = new Map<number, number>();
  let max = 0;
  let min = Number.POSITIVE_INFINITY;
  let sum = 0;
  for (const ns of o.latenciesNs) {
    const us = Math.floor(ns / 1000);
    counts.set(us, (counts.get(us) ?? 0) + 1);
    max = Math.max(max, us);
    min = Math.min(min, us);
    sum += us;
  }
  const n = o.latenciesNs.length;
  return {
    buckets: [...counts.entries()].sort((a, b) => a[0] - b[0]),
    overflows: o.unfinished,
    rangeUs: max + 1,
    minUs: n > 0 ? min : Number.NaN,
    avgUs: n > 0 ? sum / n : Number.NaN,
    maxUs: o.unfinished > 0 ? Number.NaN : n > 0 ? max : Number.NaN,
  };
}
