// The deadline formula's table (deadline-table.json next to this file's source), read
// as typed rows with u64 values as BigInt. One table for both copies of the formula:
// policy/deadline.ts (deadline.test.ts) and the BPF scheduler's slo_deadline()
// (agent/kernel/test/bpf-deadline.test.ts).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DeadlineRow {
  what: string;
  nowNs: bigint;
  budgetNs: bigint;
  importance: number;
  deadlineNs: bigint;
}

/** Source path of the table: tests run from dist/, the JSON stays in the source tree. */
export const DEADLINE_TABLE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'policy', 'test', 'deadline-table.json');

function u64(row: number, field: string, value: unknown): bigint {
  if (typeof value !== 'string' || !/^\d+$/.test(value) || BigInt(value) >= 1n << 64n) {
    throw new Error(`${DEADLINE_TABLE} row ${row}: ${field} must be a u64 as a decimal string, got ${JSON.stringify(value)}`);
  }
  return BigInt(value);
}

export function deadlineTable(): DeadlineRow[] {
  const raw = JSON.parse(readFileSync(DEADLINE_TABLE, 'utf8')) as { rows?: unknown };
  if (!Array.isArray(raw.rows) || raw.rows.length === 0) throw new Error(`${DEADLINE_TABLE}: rows must be a non-empty array`);
  return raw.rows.map((r: Record<string, unknown>, i: number) => {
    if (typeof r['what'] !== 'string') throw new Error(`${DEADLINE_TABLE} row ${i}: what must be a string, got ${JSON.stringify(r['what'])}`);
    const importance = r['importance'];
    if (typeof importance !== 'number' || !Number.isInteger(importance) || importance < 0 || importance > 0xffffffff) {
      throw new Error(`${DEADLINE_TABLE} row ${i}: importance must be a u32, got ${JSON.stringify(importance)}`);
    }
    return {
      what: r['what'],
      nowNs: u64(i, 'nowNs', r['nowNs']),
      budgetNs: u64(i, 'budgetNs', r['budgetNs']),
      importance,
      deadlineNs: u64(i, 'deadlineNs', r['deadlineNs']),
    };
  });
}
