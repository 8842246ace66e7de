// The SLO table's kernel maps, on real BPF maps of the scheduler's types and sizes: a
// deleted SLO takes its accounting (slo_cg_stats) with it, and the per-workload reader
// reads the same in slices as in one go.
import test from 'ava';
import { BpfMapType, createBpfMap, u64Key } from '../../bpf/bpf-map.js';
import { readCgroupStats, readCgroupStatsSliced } from '../cgroup-stats-reader.js';
import { SLO_CG_STATS, SLO_CFG } from '../kernel-abi.js';
import { deleteSloEntry, writeSloEntry } from '../slo-table-maps.js';

function maps(t: import('ava').ExecutionContext) {
  const cfg = createBpfMap('slo_cfg', BpfMapType.HASH, 8, SLO_CFG.size, 16_384);
  const cgStats = createBpfMap('slo_cg_stats', BpfMapType.LRU_HASH, 8, SLO_CG_STATS.size, 16_384);
  t.teardown(() => {
    cfg.close();
    cgStats.close();
  });
  return { cfg, cgStats };
}

function stats(runs: number): Buffer {
  const v = Buffer.alloc(SLO_CG_STATS.size);
  v.writeBigUInt64LE(BigInt(runs), SLO_CG_STATS.offset.runs);
  v.writeBigInt64LE(-5n, SLO_CG_STATS.offset.last_slack_ns);
  return v;
}

test('deleting an SLO removes its slo_cfg entry and its accounting in slo_cg_stats', (t) => {
  const m = maps(t);
  writeSloEntry(m, 42, { budgetNs: 20_000_000, importance: 80 });
  writeSloEntry(m, 43, { budgetNs: 30_000_000, importance: 10 });
  m.cgStats.update(u64Key(42), stats(7)); // as the scheduler's account_run() does
  m.cgStats.update(u64Key(43), stats(9));
  deleteSloEntry(m, 42);
  t.is(m.cfg.lookup(u64Key(42)), undefined);
  t.is(m.cgStats.lookup(u64Key(42)), undefined, 'no stale series for the deleted workload');
  t.deepEqual([...readCgroupStats(m.cgStats).keys()], [43], 'the other workload keeps its accounting');
  t.notThrows(() => deleteSloEntry(m, 42), 'deleting twice is harmless');
});

test('the sliced reader reads a full map like the one-go reader, yielding in between', async (t) => {
  const m = maps(t);
  for (let id = 1; id <= 16_384; id++) m.cgStats.update(u64Key(id), stats(id));
  let turns = 0;
  const ticker = setInterval(() => turns++, 0);
  const sliced = await readCgroupStatsSliced(m.cgStats, { sliceMs: 1 });
  clearInterval(ticker);
  const whole = readCgroupStats(m.cgStats);
  // An LRU map evicts from a CPU's free list before it is quite full: most entries stay.
  t.true(sliced.size > 15_000, `${sliced.size} entries read`);
  const [someId] = [...whole.keys()].filter((id) => id > 4000);
  t.deepEqual(sliced.get(someId!), { runs: someId!, misses: 0, lastRunNs: 0, lastMissNs: 0, lastSlackNs: -5, waitNsSum: 0 });
  t.deepEqual(sliced, whole);
  t.true(turns > 0, 'the event loop ran while the map was read');
});

test('the sliced reader ends on a map whose entries are deleted while it walks', async (t) => {
  const m = maps(t);
  for (let id = 1; id <= 4000; id++) m.cgStats.update(u64Key(id), stats(id));
  let next = 1;
  const churn = setInterval(() => {
    for (let i = 0; i < 50; i++) m.cgStats.delete(u64Key(next++));
  }, 0);
  const read = await readCgroupStatsSliced(m.cgStats, { sliceMs: 0.2, maxVisits: 20_000 });
  clearInterval(churn);
  t.true(read.size <= 4000);
  for (const [id, s] of read) t.is(s.runs, id, 'every value read belongs to its key');
});
