// A BPF map by file descriptor: typed lookups, updates, deletes and key iteration over
// Buffers, with per-CPU maps' value arrays handled (one value slot per possible CPU).
import { getLibbpf, getLibc } from './native.js';

export class BpfMapError extends Error {
  override name = 'BpfMapError';
}

export class BpfMap {
  /** Bytes of one value slot; per-CPU maps hold one slot per possible CPU, 8-aligned. */
  readonly slotSize: number;

  constructor(
    readonly name: string,
    readonly fd: number,
    readonly keySize: number,
    readonly valueSize: number,
    readonly perCpu: boolean,
    readonly nrCpus: number,
  ) {
    this.slotSize = perCpu ? Math.ceil(valueSize / 8) * 8 : valueSize;
  }

  /** Size of the buffer a lookup fills. */
  get bufferSize(): number {
    return this.perCpu ? this.slotSize * this.nrCpus : this.valueSize;
  }

  lookup(key: Buffer, into: Buffer = Buffer.alloc(this.bufferSize)): Buffer | undefined {
    const rc = getLibbpf().mapLookup(this.fd, key, into) as number;
    if (rc === 0) return into;
    if (rc === -2) return undefined; // ENOENT
    throw new BpfMapError(`map ${this.name}: lookup failed: ${rc}`);
  }

  update(key: Buffer, value: Buffer, flags = 0): void {
    if (value.length !== this.bufferSize) {
      throw new BpfMapError(`map ${this.name}: value is ${value.length} bytes, expected ${this.bufferSize}`);
    }
    const rc = getLibbpf().mapUpdate(this.fd, key, value, flags) as number;
    if (rc !== 0) throw new BpfMapError(`map ${this.name}: update failed: ${rc}`);
  }

  /** Deletes `key`; false when it was not there. */
  delete(key: Buffer): boolean {
    const rc = getLibbpf().mapDelete(this.fd, key) as number;
    if (rc === 0) return true;
    if (rc === -2) return false;
    throw new BpfMapError(`map ${this.name}: delete failed: ${rc}`);
  }

  /**
   * The key after `prev` (null: the first) into `into`; false at the end. A `prev` that
   * was deleted meanwhile restarts the walk from the first key (the kernel's rule).
   */
  nextKey(prev: Buffer | null, into: Buffer): boolean {
    return (getLibbpf().mapGetNextKey(this.fd, prev, into) as number) === 0;
  }

  /** Every key currently in the map (hash maps). */
  keys(): Buffer[] {
    const out: Buffer[] = [];
    const libbpf = getLibbpf();
    let prev: Buffer | null = null;
    for (;;) {
      const next = Buffer.alloc(this.keySize);
      const rc = libbpf.mapGetNextKey(this.fd, prev, next) as number;
      if (rc !== 0) break;
      out.push(next);
      prev = next;
    }
    return out;
  }
}

/** BPF map types used with createBpfMap (uapi enum bpf_map_type). */
export const BpfMapType = { HASH: 1, LRU_HASH: 9 } as const;

/**
 * A map of its own, outside any BPF object (tests and benchmarks of map readers: the
 * same kernel map type the scheduler declares). close() releases its fd.
 */
export function createBpfMap(name: string, type: number, keySize: number, valueSize: number, maxEntries: number): BpfMap & { close(): void } {
  const fd = getLibbpf().mapCreate(type, name, keySize, valueSize, maxEntries, null) as number;
  if (fd < 0) throw new BpfMapError(`map ${name}: bpf_map_create failed: ${fd}`);
  const map = new BpfMap(name, fd, keySize, valueSize, false, 1);
  return Object.assign(map, { close: () => void getLibc().close(fd) });
}

/** A u64 map key. */
export function u64Key(value: number | bigint): Buffer {
  const key = Buffer.alloc(8);
  key.writeBigUInt64LE(BigInt(value));
  return key;
}

/** A u32 map key. */
export function u32Key(value: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(value);
  return key;
}
