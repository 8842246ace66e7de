// The BPF scheduler's deadline formula, slo_deadline() from bpf/slo_deadline.bpf.h (the
// header scx_slo.bpf.c includes), run natively through bpf/test/deadline_test.bpf.c with
// BPF_PROG_TEST_RUN, row by row against policy/test/deadline-table.json: the same table
// the TypeScript copy (policy/deadline.ts) is checked with.
import test from 'ava';
import { BpfObject } from '../../bpf/bpf-object.js';
import { bpfObjectPath } from '../../bpf/test/bpf-fixture.js';
import { deadlineTable } from '../../../policy/test/deadline-table.js';

/** struct deadline_case: now, budget, importance, pad, deadline (written back). */
const CASE_SIZE = 32;

test('every row of the shared deadline table holds for the BPF scheduler\'s slo_deadline()', (t) => {
  const obj = BpfObject.open(bpfObjectPath('deadline_test'));
  try {
    obj.load();
    const rows = deadlineTable();
    for (const row of rows) {
      const c = Buffer.alloc(CASE_SIZE);
      c.writeBigUInt64LE(row.nowNs, 0);
      c.writeBigUInt64LE(row.budgetNs, 8);
      c.writeUInt32LE(row.importance, 16);
      t.is(obj.runSyscallProgram('deadline', c), 0);
      t.is(c.readBigUInt64LE(24), row.deadlineNs, row.what);
    }
    t.true(rows.length >= 10, `${rows.length} rows`);
  } finally {
    obj.close();
  }
});
