// Benchmark: the agent's transport on the host kernel's real BPF rings. A SEC("syscall")
// program (bpf/test/transport_test.bpf.c) writes task records into the kernel ring as
// scx_slo's ops.enqueue() does; the agent path under test drains them zero-copy, runs
// the edf policy (inline, or in one piscina worker), and writes the decisions into the
// user ring, which another syscall program drains as ops.dispatch() would. Reports
// decisions per second through the agent path and the agent's CPU time per thousand
// decisions (only the agent's part is timed: the kernel-side producer and consumer run
// outside the measured window). Variants interleaved, repeated; medians.
// Last line: `transport: <decisions/s> decisions/s` (inline edf, batch 1024).
import { BpfObject } from '../agent/bpf/bpf-object.js';
import { RingReader } from '../agent/bpf/ring-reader.js';
import { UserRingWriter } from '../agent/bpf/user-ring-writer.js';
import { Transport } from '../agent/kernel/transport.js';
import { ClockOrigin } from '../agent/kernel/kernel-abi.js';
import { loadPolicyModule } from '../policy/registry.js';
import { InlineRunner, PoolRunner, type PolicyRunner } from '../agent/policy-runner/runner.js';
import { bpfObjectPath } from '../agent/bpf/test/bpf-fixture.js';

const ORIGIN = process.hrtime.bigint();
const TOTAL_PER_RUN = 200_000;
const REPEATS = 5;

interface Variant {
  name: string;
  batch: number;
  pool: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'inline b1', batch: 1, pool: false },
  { name: 'inline b64', batch: 64, pool: false },
  { name: 'inline b1024', batch: 1024, pool: false },
  { name: 'worker b64', batch: 64, pool: true },
  { name: 'worker b1024', batch: 1024, pool: true },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function runOnce(v: Variant, runner: PolicyRunner): Promise<{ rate: number; cpuUsPer1k: number }> {
  const obj = BpfObject.open(bpfObjectPath('transport_test'));
  obj.setMaxEntries('tasks_rb', 4 << 20);
  obj.setMaxEntries('decisions_urb', 4 << 20);
  obj.load();
  const reader = new RingReader('tasks_rb', obj.mapFd('tasks_rb'), obj.mapMaxEntries('tasks_rb'));
  const writer = new UserRingWriter('decisions_urb', obj.mapFd('decisions_urb'), obj.mapMaxEntries('decisions_urb'));
  const transport = new Transport(reader, writer, new ClockOrigin(ORIGIN));
  const args = Buffer.alloc(24);
  const inline = runner instanceof InlineRunner;
  let agentNs = 0n;
  let cpuUs = 0;
  let done = 0;
  let seq = 0;
  while (done < TOTAL_PER_RUN) {
    args.writeUInt32LE(v.batch, 0);
    args.writeUInt32LE(1000, 4);
    args.writeBigUInt64LE(BigInt(seq), 8);
    args.writeBigUInt64LE(process.hrtime.bigint(), 16);
    obj.runSyscallProgram('produce', args);
    seq += v.batch;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let n: number;
    if (inline) {
      const { records, exitedPids } = transport.readTasks(v.batch);
      n = transport.writeDecisions(await runner.decide(records, exitedPids, Number(process.hrtime.bigint() - ORIGIN)));
    } else {
      const { bytes, count, exitedPids } = transport.readTaskBytes(v.batch);
      const out = await runner.decideBytes(bytes, count, exitedPids, Number(process.hrtime.bigint() - ORIGIN));
      n = transport.writeDecisionBytes(out.bytes, out.count);
    }
    agentNs += process.hrtime.bigint() - t0;
    const c = process.cpuUsage(cpu0);
    cpuUs += c.user + c.system;
    obj.runSyscallProgram('consume', null);
    done += n;
  }
  reader.close();
  writer.close();
  obj.close();
  return { rate: done / (Number(agentNs) / 1e9), cpuUsPer1k: (cpuUs / done) * 1000 };
}

async function main(): Promise<void> {
  const module = await loadPolicyModule('edf');
  const opts = { spec: 'edf', module, nrCpus: 64, options: {}, originNs: ORIGIN };
  const inline = new InlineRunner(opts);
  const pool = await PoolRunner.start(opts, 1);
  const results = new Map<string, Array<{ rate: number; cpuUsPer1k: number }>>();
  console.log(`transport: ${TOTAL_PER_RUN} decisions per run, ${REPEATS} rounds, variants interleaved`);
  for (let r = 0; r < REPEATS; r++) {
    for (const v of VARIANTS) {
      const res = await runOnce(v, v.pool ? pool : inline);
      results.set(v.name, [...(results.get(v.name) ?? []), res]);
    }
  }
  await pool.close();
  console.log('variant        decisions/s (median, min..max)        agent CPU us / 1000 decisions');
  for (const v of VARIANTS) {
    const rs = results.get(v.name)!;
    const rates = rs.map((x) => x.rate);
    const cpu = rs.map((x) => x.cpuUsPer1k);
    console.log(`${v.name.padEnd(14)} ${Math.round(median(rates)).toLocaleString('en').padStart(12)}  ` +
      `(${Math.round(Math.min(...rates)).toLocaleString('en')}..${Math.round(Math.max(...rates)).toLocaleString('en')})   ` +
      `${median(cpu).toFixed(0).padStart(8)}`);
  }
  const headline = median(results.get('inline b1024')!.map((x) => x.rate));
  console.log(`transport: ${Math.round(headline)} decisions/s`);
}

await main();
