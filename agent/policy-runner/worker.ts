// A piscina worker that hosts one policy instance (PolicyHost) for the agent: decodes
// raw task records, runs the policy, returns encoded decisions. State lives in this
// module, which is why each pool has exactly one thread.
import { Piscina } from 'piscina';
import { ClockOrigin } from '../kernel/kernel-abi.js';
import { PolicyHost } from './policy-host.js';
import { loadPolicyModule } from '../../policy/registry.js';
import { decodeRecords, encodeDecisions } from './runner.js';
import type { WorkerInit, WorkerRequest, WorkerResponse } from './worker-protocol.js';

const init = Piscina.workerData as WorkerInit;
const origin = new ClockOrigin(BigInt(init.originNs));
const host = new PolicyHost(await loadPolicyModule(init.spec), { nrCpus: init.nrCpus, options: init.options });
for (const [cgroupId, entry] of init.slos) host.setSlo(cgroupId, entry);

export default async function handle(req: WorkerRequest): Promise<WorkerResponse> {
  switch (req.op) {
    case 'ping':
      return { name: host.moduleName };
    case 'batch': {
      return encodeDecisions(host.process(decodeRecords(req.bytes, req.count, origin), req.exitedPids, req.nowNs), origin);
    }
    case 'decide':
      return { decisions: host.process(req.records, req.exitedPids, req.nowNs) };
    case 'slo':
      host.setSlo(req.cgroupId, req.entry);
      return {};
    case 'swap':
      return { decisions: host.swap(await loadPolicyModule(req.spec), req.nowNs), name: req.spec };
  }
}
