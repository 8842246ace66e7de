// A BPF object file opened and loaded through libbpf: finds maps and programs by name,
// attaches struct_ops (a sched_ext scheduler), runs BPF_PROG_TYPE_SYSCALL programs,
// and turns libbpf failures into errors that carry libbpf's log (the verifier's).
import { existsSync } from 'node:fs';
import { BpfMap } from './bpf-map.js';
import { withLibbpfLog } from './libbpf-log.js';
import { addressOf, getLibbpf, type BpfLinkPtr, type BpfObjectPtr } from './native.js';

export class BpfLoadError extends Error {
  override name = 'BpfLoadError';
  constructor(message: string, readonly log: string) {
    super(log ? `${message}\n--- libbpf/verifier log ---\n${log.trimEnd()}` : message);
  }
}

const MAP_TYPE_PERCPU = new Set(['slo_stats', 'cpu_ctxs']);

export class BpfObject {
  private closed = false;
  private readonly links: BpfLinkPtr[] = [];

  private constructor(readonly path: string, private readonly obj: BpfObjectPtr) {}

  /** Opens (does not load) the object at `path`. */
  static open(path: string): BpfObject {
    if (!existsSync(path)) throw new BpfLoadError(`BPF object ${path} does not exist (run \`make build\`)`, '');
    const libbpf = getLibbpf();
    const { result, log } = withLibbpfLog(() => libbpf.openFile(path, null));
    if (addressOf(result) === 0n) throw new BpfLoadError(`cannot open BPF object ${path}`, log);
    return new BpfObject(path, result);
  }

  /** The libbpf `struct bpf_object *`, for helpers beside this class (program-attach.ts); valid until close(). */
  get handle(): BpfObjectPtr {
    if (this.closed) throw new BpfLoadError(`BPF object ${this.path} is closed`, '');
    return this.obj;
  }

  /** Sets a map's size before load (ring buffers: a power of two times the page size). */
  setMaxEntries(mapName: string, entries: number): void {
    const rc = getLibbpf().mapSetMaxEntries(this.mapPtr(mapName), entries) as number;
    if (rc !== 0) throw new BpfLoadError(`map ${mapName}: cannot set max_entries to ${entries}: ${rc}`, '');
  }

  /** Loads every program and map into the kernel; a verifier rejection throws with its log. */
  load(): void {
    const libbpf = getLibbpf();
    const { result, log } = withLibbpfLog(() => libbpf.load(this.obj) as number);
    if (result !== 0) throw new BpfLoadError(`kernel refused to load ${this.path} (error ${result})`, log);
  }

  private mapPtr(name: string): unknown {
    const ptr = getLibbpf().findMap(this.obj, name);
    if (addressOf(ptr) === 0n) throw new BpfLoadError(`BPF object ${this.path} has no map ${name}`, '');
    return ptr;
  }

  /** A loaded map. `keySize` is given by the caller (libbpf's is not always set for ring buffers). */
  map(name: string, keySize: number, perCpu = MAP_TYPE_PERCPU.has(name)): BpfMap {
    const libbpf = getLibbpf();
    const ptr = this.mapPtr(name);
    const fd = libbpf.mapFd(ptr) as number;
    if (fd < 0) throw new BpfLoadError(`map ${name} is not loaded`, '');
    return new BpfMap(name, fd, keySize, libbpf.mapValueSize(ptr) as number, perCpu, libbpf.numPossibleCpus() as number);
  }

  /** The file descriptor of a loaded map (ring buffers). */
  mapFd(name: string): number {
    return getLibbpf().mapFd(this.mapPtr(name)) as number;
  }

  /** max_entries of a map (a ring buffer's size in bytes). */
  mapMaxEntries(name: string): number {
    return getLibbpf().mapMaxEntries(this.mapPtr(name)) as number;
  }

  /** Attaches the struct_ops map `name` (registers the scheduler); detached by close(). */
  attachStructOps(name: string): void {
    const libbpf = getLibbpf();
    const { result, log } = withLibbpfLog(() => libbpf.attachStructOps(this.mapPtr(name)));
    if (addressOf(result) === 0n) throw new BpfLoadError(`cannot attach struct_ops ${name}`, log);
    this.links.push(result);
  }

  /** Detaches everything attached (the scheduler unregisters). */
  detach(): void {
    const libbpf = getLibbpf();
    while (this.links.length > 0) libbpf.linkDestroy(this.links.pop());
  }

  /** Runs a SEC("syscall") program once with `ctx` as its context; returns its return value. */
  runSyscallProgram(name: string, ctx: Buffer | null): number {
    const libbpf = getLibbpf();
    const prog = libbpf.findProgram(this.obj, name);
    if (addressOf(prog) === 0n) throw new BpfLoadError(`BPF object ${this.path} has no program ${name}`, '');
    const opts = {
      sz: 80, data_in: null, data_out: null, data_size_in: 0, data_size_out: 0,
      ctx_in: ctx, ctx_out: null, ctx_size_in: ctx ? ctx.length : 0, ctx_size_out: 0,
      retval: 0, repeat: 0, duration: 0, flags: 0, cpu: 0, batch_size: 0,
    };
    const rc = libbpf.progTestRun(libbpf.programFd(prog), opts) as number;
    if (rc !== 0) throw new BpfLoadError(`running program ${name} failed: ${rc}`, '');
    return opts.retval;
  }

  close(): void {
    if (this.closed) return;
    this.detach();
    getLibbpf().close(this.obj);
    this.closed = true;
  }
}
