// Messages between the agent and a policy worker thread (agent/policy-runner/worker.ts).
import type { Decision, SloEntry, TaskRecord } from '../../policy/api.js';

export type WorkerRequest =
  | { op: 'ping' }
  | { op: 'batch'; bytes: Uint8Array; count: number; exitedPids: number[]; nowNs: number }
  | { op: 'decide'; records: TaskRecord[]; exitedPids: number[]; nowNs: number }
  | { op: 'slo'; cgroupId: number; entry: SloEntry | undefined }
  | { op: 'swap'; spec: string; nowNs: number };

export interface WorkerResponse {
  bytes?: Uint8Array;
  count?: number;
  decisions?: Decision[];
  name?: string;
}

/** What the pool passes to every worker at start. */
export interface WorkerInit {
  spec: string;
  nrCpus: number;
  options: Record<string, string>;
  /** Kernel ns origin of the policy clock, as a decimal string. */
  originNs: string;
  /** The SLO table at start (a restarted worker must not start empty). */
  slos: Array<[number, SloEntry]>;
}
