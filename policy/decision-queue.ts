// A heap-js priority queue of decisions, ordered by vtime then seq (FIFO among
// equal keys): the queue every built-in policy keeps its runnable tasks in.
import { Heap } from 'heap-js';
import type { Decision } from './api.js';

function byDeadline(a: Decision, b: Decision): number {
  return a.vtime - b.vtime || a.seq - b.seq || a.pid - b.pid;
}

export class DecisionQueue {
  private readonly heap = new Heap<Decision>(byDeadline);

  push(decision: Decision): void {
    this.heap.add(decision);
  }

  /** Removes and returns up to `max` decisions, earliest deadline first. */
  popMany(max: number): Decision[] {
    const out: Decision[] = [];
    while (out.length < max) {
      const next = this.heap.pop();
      if (next === undefined) break;
      out.push(next);
    }
    return out;
  }

  get size(): number {
    return this.heap.size();
  }
}
