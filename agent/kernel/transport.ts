// Moves records between the kernel's rings and the policy: runnable-task records out of
// tasks_rb (decoded in place, or copied as raw bytes for a worker), decisions into
// decisions_urb in one published batch. Malformed records (wrong size) are counted and
// skipped, never decoded.
import type { Decision, TaskRecord } from '../../policy/api.js';
import { DECISION_MSG, TASK_MSG, decodeTaskRecord, encodeDecision, type ClockOrigin } from './kernel-abi.js';
import type { RingReader } from '../bpf/ring-reader.js';
import type { UserRingWriter } from '../bpf/user-ring-writer.js';

export interface TransportCounters {
  /** Task records received. */
  records: number;
  /** Records of the wrong size, skipped. */
  malformed: number;
  /** Decisions written to the kernel. */
  decisions: number;
  /** Decisions that did not fit in decisions_urb (their tasks fall back in the kernel). */
  decisionsDropped: number;
  /** Records dropped undecided while the policy was failing. */
  discarded: number;
}

export class Transport {
  readonly counters: TransportCounters = { records: 0, malformed: 0, decisions: 0, decisionsDropped: 0, discarded: 0 };

  constructor(
    private readonly tasks: RingReader,
    private readonly decisions: UserRingWriter,
    private readonly origin: ClockOrigin,
  ) {}

  /** Up to `max` task records, decoded straight from ring memory. */
  readTasks(max: number): TaskRecord[] {
    const out: TaskRecord[] = [];
    const origin = this.origin;
    this.tasks.drain((view, offset, length) => {
      if (length !== TASK_MSG.size) {
        this.counters.malformed++;
        return;
      }
      out.push(decodeTaskRecord(view, offset, origin));
    }, max);
    this.counters.records += out.length;
    return out;
  }

  /** Up to `max` task records as raw slo_task_msg bytes (for a worker to decode). */
  readTaskBytes(max: number): { bytes: Uint8Array; count: number } {
    const size = TASK_MSG.size;
    let bytes = new Uint8Array(size * Math.min(max, 256));
    let count = 0;
    this.tasks.drain((view, offset, length) => {
      if (length !== size) {
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
    return { bytes: bytes.subarray(0, count * size), count };
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
    const written = this.decisions.writeBatch(decisions.length, DECISION_MSG.size, (view, offset, i) => {
      encodeDecision(view, offset, decisions[i]!, origin);
    });
    this.counters.decisions += written;
    this.counters.decisionsDropped += decisions.length - written;
    return written;
  }

  /** Writes decisions already encoded as slo_decision_msg bytes; returns how many fit. */
  writeDecisionBytes(bytes: Uint8Array, count: number): number {
    const size = DECISION_MSG.size;
    const written = this.decisions.writeBatch(count, size, (view, offset, i) => {
      new Uint8Array(view.buffer, view.byteOffset + offset, size).set(bytes.subarray(i * size, (i + 1) * size));
    });
    this.counters.decisions += written;
    this.counters.decisionsDropped += count - written;
    return written;
  }
}
