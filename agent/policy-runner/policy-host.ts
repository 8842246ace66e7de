// Hosts one policy instance and its SLO table, and turns batches of task records into
// decisions. The same class runs inline in the agent and inside a piscina worker, so a
// policy behaves identically in both.
import type { Decision, PolicyModule, SloEntry, TaskRecord } from '../../policy/api.js';
import type { Policy } from '../../policy/api.js';

export interface PolicyHostOptions {
  nrCpus: number;
  options: Readonly<Record<string, string>>;
}

export class PolicyHost {
  private readonly slos = new Map<number, SloEntry>();
  private policy: Policy;

  constructor(private module: PolicyModule, private readonly opts: PolicyHostOptions) {
    this.policy = this.create(module);
  }

  private create(module: PolicyModule): Policy {
    return module.createPolicy({ nrCpus: this.opts.nrCpus, slos: this.slos, options: this.opts.options });
  }

  get moduleName(): string {
    return this.module.name;
  }

  setSlo(cgroupId: number, entry: SloEntry | undefined): void {
    if (entry) this.slos.set(cgroupId, { budgetNs: entry.budgetNs, importance: entry.importance });
    else this.slos.delete(cgroupId);
  }

  /**
   * Enqueues the batch's records, tells the policy which tasks exited (after the
   * enqueues: a task's exit follows its last record in the ring), and returns every
   * queued task's decision, best first.
   */
  process(records: readonly TaskRecord[], exitedPids: readonly number[], nowNs: number): Decision[] {
    for (const record of records) this.policy.enqueue(record);
    if (exitedPids.length > 0 && this.policy.taskExited) {
      for (const pid of exitedPids) this.policy.taskExited(pid);
    }
    return this.policy.dispatch(nowNs, this.policy.queued);
  }

  /**
   * Switches to another module. Tasks still queued in the old policy are returned as its
   * last decisions so none is lost in the switch.
   */
  swap(module: PolicyModule, nowNs: number): Decision[] {
    const leftover = this.policy.dispatch(nowNs, this.policy.queued);
    this.module = module;
    this.policy = this.create(module);
    return leftover;
  }
}
