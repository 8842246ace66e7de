// Moves records between the kernel's rings and the policy: runnable-task records and task
// exits out of tasks_rb (tasks decoded in place, or copied as raw bytes for a worker),
// decisions into decisions_urb in one published batch. Malformed records (unknown kind
// or wrong size) are counted and skipped, never decoded.
import type { Decision, TaskRecord } from '../../policy/api.js';
import { SLO_DECISION_MSG, SLO_TASK_MSG, decodeExitPid, decodeTaskRecord, encodeDecision, tasksRingRecordKind, type ClockOrigin } from './kernel-abi.js';
import type { RingReader } from '../bpf/ring-reader.js';
import type { UserRingWriter } from '../bpf/user-ring-writer.js';

export interface TransportCounters {
  /** Task records received. */
  records: number;
  /** Task exits received. */
  exits: number;
  /** Records of an unknown kind or the wrong size, skipped. */
  malformed: number;
  /** Decisions written to the kernel. */
  decisions: number;
  /** Decisions that did not fit in decisions_urb (their tasks fall back in the kernel). */
  decisionsDropped: number;
  /** Records dropped undecided while the policy was failing. */
  discarded: number;
}

/** What one drain of tasks_rb brought: runnable tasks and the pids of exited tasks. */
export interface TaskBatch {
  records: TaskRecord[];
  exitedPids: number[];
}

/** The same as raw slo_task_msg bytes (`count` records back to back), for a worker. */
export interface TaskBytesBatch {
  bytes: Uint8Array;
  count: number;
  exitedPids: number[];
}

export class Transport {
  readonly counters: TransportCounters = { records: 0, exits: 0, malformed: 0, decisions: 0, decisionsDropped: 0, discarded: 0 };

  constructor(
    private readonly tasks: RingReader,
    private readonly decisions: UserRingWriter,
    private readonly origin: ClockOrigin,
  ) {}

  /** Up to `max` records of tasks_rb: task records decoded straight from ring memory, and exits. */
  readTasks(max: number): TaskBatch {
    const records: TaskRecord[] = [];
    const exitedPids: number[] = [];
    const origin = this.origin;
    this.tasks.drain((view, offset, length) => {
      const kind = tasksRingRecordKind(view, offset, length);
      if (kind === 'task') records.push(decodeTaskRecord(view, offset, origin));
      else if (kind === 'exit') exitedPids.push(decodeExitPid(view, offset));
      else this.counters.malformed++;
    }, max);
    this.counters.records += records.length;
    this.counters.exits += exitedPids.length;
    return { records, exitedPids };
  }

  /** Up to `max` records of tasks_rb: task records as raw slo_task_msg bytes (for a worker to decode), and exits. */
  readTaskBytes(max: number): TaskBytesBatch {
    const size = SLO_TASK_MSG.size;
    let bytes = new Uint8Array(size * Math.min(max, 256));
    let count = 0;
    const exitedPids: number[] = [];
    this.tasks.drain((view, offset, length) => {
      const kind = tasksRingRecordKind(view, offset, length);
      if (kind === 'exit') {
        exitedPids.push(decodeExitPid(view, offset));
        return;
      }
      if (kind !== 'task') {
        this.counters.malformed++;
        return;
      }
      if ((count + 1) * size > bytes.length) {
        const grown = new Uint8Array(bytes.length * 2);
        grown.set(bytes);
        bytes = grown;
      }
      bytes.set(new Uint8Array(view.buffer, view.byteOffset + offset, size), count * size);
      count++;
    }, max);
    this.counters.records += count;
    this.counters.exits += exitedPids.length;
    return { bytes: bytes.subarray(0, count * size), count, exitedPids };
  }

  /** Drops every record waiting in the ring (a degraded loop: the kernel runs those tasks). */
  discardTasks(): number {
    const n = this.tasks.drain(() => {});
    this.counters.discarded += n;
    return n;
  }

  /** Writes decisions; returns how many fit. */
  writeDecisions(decisions: readonly Decision[]): number {
    const origin = this.origin;
    const written = this.decisions.writeBatch(decisions.length, SLO_DECISION_MSG.size, (view, offset, i) => {
      encodeDecision(view, offset, decisions[i]!, origin);
    });
    this.counters.decisions += written;
    this.counters.decisionsDropped += decisions.length - written;
    return written;
  }

  /** Writes decisions already encoded as slo_decision_msg bytes; returns how many fit. */
  writeDecisionBytes(bytes: Uint8Array, count: number): number {
    const size = SLO_DECISION_MSG.size;
    const written = this.decisions.writeBatch(count, size, (view, offset, i) => {
      new Uint8Array(view.buffer, view.byteOffset + offset, size).set(bytes.subarray(i * size, (i + 1) * size));
    });
    this.counters.decisions += written;
    this.counters.decisionsDropped += count - written;
    return written;
  }
}
