// The native functions the agent calls, bound with koffi: libbpf (open, load, attach
// struct_ops and ordinary programs, map access) and the few libc calls the ring-buffer
// transport needs (mmap, epoll).
// Opaque libbpf handles are koffi pointers; raw addresses are BigInt (koffi 3).
import koffi, { type LibraryHandle, type TypeObject } from 'koffi';

type Fn = ReturnType<LibraryHandle['func']>;

/** Opaque libbpf handles. */
export type BpfObjectPtr = unknown;
export type BpfMapPtr = unknown;
export type BpfLinkPtr = unknown;
export type BpfProgramPtr = unknown;

export interface LibbpfApi {
  openFile: Fn;
  load: Fn;
  close: Fn;
  findMap: Fn;
  findProgram: Fn;
  mapFd: Fn;
  mapSetMaxEntries: Fn;
  mapValueSize: Fn;
  mapMaxEntries: Fn;
  programFd: Fn;
  attachStructOps: Fn;
  linkDestroy: Fn;
  setPrint: Fn;
  libbpfGetError: Fn;
  numPossibleCpus: Fn;
  mapUpdate: Fn;
  mapLookup: Fn;
  mapDelete: Fn;
  mapGetNextKey: Fn;
  /** A map of its own, outside any object (tests and benchmarks of map readers). */
  mapCreate: Fn;
  progTestRun: Fn;
  /** Program walking and auto-attach by SEC() name (program-attach.ts). */
  nextProgram: Fn;
  programName: Fn;
  programSectionName: Fn;
  programAutoattach: Fn;
  programAttach: Fn;
  /** Walking every loaded program of the system (prog-info.ts). */
  progGetNextId: Fn;
  progGetFdById: Fn;
  progGetInfoByFd: Fn;
  printCallbackProto: TypeObject;
  testRunOpts: TypeObject;
}

export interface LibcApi {
  mmap: Fn;
  munmap: Fn;
  epollCreate1: Fn;
  epollCtl: Fn;
  epollWait: Fn;
  close: Fn;
  vsnprintf: Fn;
  sysconf: Fn;
  epollEvent: TypeObject;
}

let libbpf: LibbpfApi | undefined;
let libc: LibcApi | undefined;

/** libbpf.so.1 (>= 1.4), loaded on first use with a clear error when it is missing. */
export function getLibbpf(): LibbpfApi {
  if (libbpf) return libbpf;
  let lib: LibraryHandle;
  try {
    lib = koffi.load('libbpf.so.1');
  } catch (err) {
    throw new Error(`cannot load libbpf.so.1 (install libbpf1 >= 1.4): ${(err as Error).message}`);
  }
  const printCallbackProto = koffi.proto('int libbpf_print_fn(int level, const char *fmt, void *args)');
  const testRunOpts = koffi.struct('bpf_test_run_opts', {
    sz: 'size_t',
    data_in: 'void *',
    data_out: 'void *',
    data_size_in: 'uint32_t',
    data_size_out: 'uint32_t',
    ctx_in: 'void *',
    ctx_out: 'void *',
    ctx_size_in: 'uint32_t',
    ctx_size_out: 'uint32_t',
    retval: 'uint32_t',
    repeat: 'int',
    duration: 'uint32_t',
    flags: 'uint32_t',
    cpu: 'uint32_t',
    batch_size: 'uint32_t',
  });
  libbpf = {
    openFile: lib.func('void *bpf_object__open_file(const char *path, void *opts)'),
    load: lib.func('int bpf_object__load(void *obj)'),
    close: lib.func('void bpf_object__close(void *obj)'),
    findMap: lib.func('void *bpf_object__find_map_by_name(void *obj, const char *name)'),
    findProgram: lib.func('void *bpf_object__find_program_by_name(void *obj, const char *name)'),
    mapFd: lib.func('int bpf_map__fd(void *map)'),
    mapSetMaxEntries: lib.func('int bpf_map__set_max_entries(void *map, uint32_t max_entries)'),
    mapValueSize: lib.func('uint32_t bpf_map__value_size(void *map)'),
    mapMaxEntries: lib.func('uint32_t bpf_map__max_entries(void *map)'),
    programFd: lib.func('int bpf_program__fd(void *prog)'),
    attachStructOps: lib.func('void *bpf_map__attach_struct_ops(void *map)'),
    linkDestroy: lib.func('int bpf_link__destroy(void *link)'),
    setPrint: lib.func('void *libbpf_set_print(libbpf_print_fn *fn)'),
    libbpfGetError: lib.func('long libbpf_get_error(void *ptr)'),
    numPossibleCpus: lib.func('int libbpf_num_possible_cpus()'),
    mapUpdate: lib.func('int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)'),
    mapLookup: lib.func('int bpf_map_lookup_elem(int fd, const void *key, void *value)'),
    mapDelete: lib.func('int bpf_map_delete_elem(int fd, const void *key)'),
    mapGetNextKey: lib.func('int bpf_map_get_next_key(int fd, const void *key, void *next_key)'),
    mapCreate: lib.func('int bpf_map_create(int map_type, const char *map_name, uint32_t key_size, uint32_t value_size, uint32_t max_entries, void *opts)'),
    progTestRun: lib.func('int bpf_prog_test_run_opts(int prog_fd, _Inout_ bpf_test_run_opts *opts)'),
    nextProgram: lib.func('void *bpf_object__next_program(void *obj, void *prev)'),
    programName: lib.func('const char *bpf_program__name(void *prog)'),
    programSectionName: lib.func('const char *bpf_program__section_name(void *prog)'),
    programAutoattach: lib.func('bool bpf_program__autoattach(void *prog)'),
    programAttach: lib.func('void *bpf_program__attach(void *prog)'),
    progGetNextId: lib.func('int bpf_prog_get_next_id(uint32_t start_id, _Out_ uint32_t *next_id)'),
    progGetFdById: lib.func('int bpf_prog_get_fd_by_id(uint32_t id)'),
    progGetInfoByFd: lib.func('int bpf_prog_get_info_by_fd(int prog_fd, _Inout_ uint8_t *info, _Inout_ uint32_t *info_len)'),
    printCallbackProto,
    testRunOpts,
  };
  return libbpf;
}

/** The libc calls the transport needs. */
export function getLibc(): LibcApi {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  // struct epoll_event is packed on x86-64: u32 events followed by a u64 at offset 4.
  const epollEvent = koffi.pack('epoll_event', { events: 'uint32_t', data: 'uint64_t' });
  libc = {
    mmap: lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)'),
    munmap: lib.func('int munmap(void *addr, size_t length)'),
    epollCreate1: lib.func('int epoll_create1(int flags)'),
    epollCtl: lib.func('int epoll_ctl(int epfd, int op, int fd, epoll_event *event)'),
    epollWait: lib.func('int epoll_wait(int epfd, _Out_ epoll_event *events, int maxevents, int timeout)'),
    close: lib.func('int close(int fd)'),
    vsnprintf: lib.func('int vsnprintf(_Out_ uint8_t *buf, size_t size, const char *fmt, void *args)'),
    sysconf: lib.func('long sysconf(int name)'),
    epollEvent,
  };
  return libc;
}

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const EPOLL_CTL_ADD = 1;
export const EPOLLIN = 1;
/** Edge-triggered: epoll_wait reports the ring once per wake-up, not while it holds data. */
export const EPOLLET = 0x80000000;
export const EPOLL_CLOEXEC = 0o2000000;
const SC_PAGESIZE = 30;

/** The system page size. */
export function pageSize(): number {
  return Number(getLibc().sysconf(SC_PAGESIZE));
}

/** errno of the last failed native call, as "ECODE (n): message" where known. */
export function lastErrno(): number {
  return koffi.errno();
}

/** The numeric address of a pointer, or 0n for NULL. */
export function addressOf(ptr: unknown): bigint {
  if (ptr === null || ptr === undefined) return 0n;
  return typeof ptr === 'bigint' ? ptr : koffi.address(ptr);
}

/** A zero-copy ArrayBuffer over native memory at `ptr`. */
export function viewOf(ptr: unknown, length: number): ArrayBuffer {
  return koffi.view(ptr, length) as ArrayBuffer;
}
