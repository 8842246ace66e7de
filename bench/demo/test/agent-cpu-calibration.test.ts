// agentCpuPerRecord(): the agent's CPU per record from the guest's CPU accounting of the
// traced scheduler's cells only (invalid cells, other schedulers and missing figures left out).
import test from 'ava';
import { agentCpuArgs, agentCpuPerRecord } from '../fidelity.js';
import type { RawCell } from '../raw-results.js';

function cell(scheduler: string, agentS: number | null, toUser: number | undefined, invalid?: string): RawCell {
  return {
    round: 1, scheduler: scheduler as RawCell['scheduler'], startedAt: '', probeSeconds: 10, schedExt: { state: null, ops: null }, probe: null,
      batchText: null, notes: [],
    cpu: { wallS: 10, busyS: 10, idleS: 0, lsS: 0, batchS: 0, agentS },
    ...(toUser === undefined ? {} : { counters: { to_user: toUser } }),
    ...(invalid === undefined ? {} : { invalid }),
  };
}

test('sums agent CPU and records over the valid cells of one scheduler', (t) => {
  const cells = [cell('slo-edf', 6, 2000), cell('slo-edf', 3, 1000), cell('slo-edf-inline', 1, 5000), cell('slo-edf', 9, 10, 'ejected'),
    cell('slo-edf', null, 100), cell('default', null, undefined)];
  const c = agentCpuPerRecord(cells, 'slo-edf')!;
  t.is(c.cells, 2);
  t.is(c.records, 3000);
  t.is(c.nsPerRecord, (9 * 1e9) / 3000);
  t.deepEqual(agentCpuArgs(c, 50), ['--agent-cpu-us-per-record', String(Math.round(c.nsPerRecord / 1000)), '--agent-deadline-us', '50000']);
  t.is(agentCpuPerRecord(cells, 'slo-fallback'), null);
});
