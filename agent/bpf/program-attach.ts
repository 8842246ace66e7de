// Attaching a loaded BpfObject's ordinary programs (tracepoints, tp_btf, kprobes...) by
// their SEC() names, as a libbpf skeleton's attach would: every program is attached or
// none stays attached, and a failure names the program and carries libbpf's log.
// struct_ops maps are attached by BpfObject.attachStructOps() instead.
import { BpfLoadError, type BpfObject } from './bpf-object.js';
import { withLibbpfLog } from './libbpf-log.js';
import { addressOf, getLibbpf, lastErrno, type BpfLinkPtr, type BpfProgramPtr } from './native.js';

/** The links of attached programs; destroy() detaches them (the object stays loaded). */
export class ProgramLinks {
  private links: Array<{ name: string; link: BpfLinkPtr }>;

  constructor(links: Array<{ name: string; link: BpfLinkPtr }>) {
    this.links = links;
  }

  /** Names of the attached programs, in the object's order. */
  get names(): string[] {
    return this.links.map((l) => l.name);
  }

  get attached(): boolean {
    return this.links.length > 0;
  }

  /** Detaches every program; idempotent. */
  destroy(): void {
    const libbpf = getLibbpf();
    while (this.links.length > 0) libbpf.linkDestroy(this.links.pop()!.link);
  }
}

/** Every program of a loaded object, with its name and section. */
export function listPrograms(obj: BpfObject): Array<{ name: string; section: string; prog: BpfProgramPtr }> {
  const libbpf = getLibbpf();
  const out: Array<{ name: string; section: string; prog: BpfProgramPtr }> = [];
  let prog: BpfProgramPtr = libbpf.nextProgram(obj.handle, null);
  while (addressOf(prog) !== 0n) {
    out.push({ name: libbpf.programName(prog) as string, section: libbpf.programSectionName(prog) as string, prog });
    prog = libbpf.nextProgram(obj.handle, prog);
  }
  return out;
}

/**
 * Attaches every program of the loaded `obj` whose section libbpf can auto-attach
 * (SEC("tp_btf/sched_switch") and the like), in the object's order. On the first failure
 * the ones already attached are detached again and a BpfLoadError names the program.
 * Call destroy() on the result before obj.close().
 */
export function attachAllPrograms(obj: BpfObject): ProgramLinks {
  const libbpf = getLibbpf();
  const links: Array<{ name: string; link: BpfLinkPtr }> = [];
  try {
    for (const { name, section, prog } of listPrograms(obj)) {
      if (!libbpf.programAutoattach(prog)) continue;
      const { result, log } = withLibbpfLog(() => {
        const link = libbpf.programAttach(prog);
        return { link, errno: addressOf(link) === 0n ? lastErrno() : 0 };
      });
      if (addressOf(result.link) === 0n) {
        throw new BpfLoadError(`cannot attach program ${name} (SEC("${section}")) of ${obj.path}: errno ${result.errno}`, log);
      }
      links.push({ name, link: result.link });
    }
  } catch (err) {
    new ProgramLinks(links).destroy();
    throw err;
  }
  return new ProgramLinks(links);
}
