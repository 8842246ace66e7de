// Every BPF program loaded in the system, with what the kernel reports about it
// (struct bpf_prog_info): id, type, name, and the number of instructions the verifier
// processed to accept it (verified_insns, Linux >= 5.16). The guest suite prints the
// latter per program and kernel, as sched_ext's CI does with veristat.
import { getLibbpf, getLibc } from './native.js';

/** Offsets in the uapi struct bpf_prog_info (include/uapi/linux/bpf.h, a stable ABI). */
const INFO = { type: 0, name: 64, nameLength: 16, verifiedInsns: 216, size: 232 } as const;

/** enum bpf_prog_type values used here. */
export const BPF_PROG_TYPE = { SYSCALL: 31, STRUCT_OPS: 27 } as const;

export interface LoadedProgram {
  id: number;
  type: number;
  name: string;
  /** Instructions the verifier processed; 0 when the kernel does not report it. */
  verifiedInsns: number;
}

/** The programs loaded now; programs that vanish while we look are skipped. */
export function loadedPrograms(): LoadedProgram[] {
  const libbpf = getLibbpf();
  const libc = getLibc();
  const out: LoadedProgram[] = [];
  const next = [0];
  let id = 0;
  while ((libbpf.progGetNextId(id, next) as number) === 0) {
    id = next[0]!;
    const fd = libbpf.progGetFdById(id) as number;
    if (fd < 0) continue;
    try {
      const info = Buffer.alloc(INFO.size);
      const len = [INFO.size];
      if ((libbpf.progGetInfoByFd(fd, info, len) as number) !== 0) continue;
      const raw = info.subarray(INFO.name, INFO.name + INFO.nameLength);
      const end = raw.indexOf(0);
      out.push({
        id,
        type: info.readUInt32LE(INFO.type),
        name: raw.subarray(0, end < 0 ? raw.length : end).toString('utf8'),
        verifiedInsns: len[0]! > INFO.verifiedInsns ? info.readUInt32LE(INFO.verifiedInsns) : 0,
      });
    } finally {
      libc.close(fd);
    }
  }
  return out;
}
