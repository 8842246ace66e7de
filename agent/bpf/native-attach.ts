// The libbpf calls that attach ordinary (non-struct_ops) BPF programs by their SEC()
// name: walking an object's programs and bpf_program__attach(), which picks the attach
// type from the section (tp_btf/..., tracepoint/..., kprobe/...). Kept apart from
// native.ts; libbpf.so.1 is loaded again here (dlopen returns the same library).
import koffi, { type LibraryHandle } from 'koffi';

type Fn = ReturnType<LibraryHandle['func']>;

export interface LibbpfAttachApi {
  /** struct bpf_program *bpf_object__next_program(const struct bpf_object *, struct bpf_program *prev) */
  nextProgram: Fn;
  /** const char *bpf_program__name(const struct bpf_program *) */
  programName: Fn;
  /** const char *bpf_program__section_name(const struct bpf_program *) */
  programSectionName: Fn;
  /** bool bpf_program__autoattach(const struct bpf_program *) */
  programAutoattach: Fn;
  /** struct bpf_link *bpf_program__attach(const struct bpf_program *): NULL and errno set on failure */
  programAttach: Fn;
  /** int bpf_link__destroy(struct bpf_link *) */
  linkDestroy: Fn;
}

let api: LibbpfAttachApi | undefined;

/** libbpf's program-attach calls, bound on first use. */
export function getLibbpfAttach(): LibbpfAttachApi {
  if (api) return api;
  let lib: LibraryHandle;
  try {
    lib = koffi.load('libbpf.so.1');
  } catch (err) {
    throw new Error(`cannot load libbpf.so.1 (install libbpf1 >= 1.4): ${(err as Error).message}`);
  }
  api = {
    nextProgram: lib.func('void *bpf_object__next_program(void *obj, void *prev)'),
    programName: lib.func('const char *bpf_program__name(void *prog)'),
    programSectionName: lib.func('const char *bpf_program__section_name(void *prog)'),
    programAutoattach: lib.func('bool bpf_program__autoattach(void *prog)'),
    programAttach: lib.func('void *bpf_program__attach(void *prog)'),
    linkDestroy: lib.func('int bpf_link__destroy(void *link)'),
  };
  return api;
}
