// Producer of a BPF_MAP_TYPE_USER_RINGBUF (agent -> kernel) over mmap'd memory. A batch
// of records is written in place, each header already committed, and published with one
// release store of the producer position: the kernel sees all of the batch or none.
import { MAP_SHARED, PROT_READ, PROT_WRITE, addressOf, getLibc, pageSize, viewOf } from './native.js';
import { RINGBUF_HDR_SZ, recordSpan } from './ring-layout.js';

/** Fills one record's sample bytes at `offset` of `view`. */
export type RecordWriter = (view: DataView, offset: number, index: number) => void;

export class UserRingWriter {
  private readonly consumerPos: BigUint64Array;
  private readonly producerPos: BigUint64Array;
  private readonly data: DataView;
  private readonly bytes: Uint8Array;
  private readonly mask: number;
  private readonly maps: Array<{ ptr: unknown; length: number }> = [];

  constructor(readonly name: string, fd: number, readonly size: number) {
    const libc = getLibc();
    const page = pageSize();
    const cons = libc.mmap(null, page, PROT_READ, MAP_SHARED, fd, 0);
    if (addressOf(cons) === 2n ** 64n - 1n || addressOf(cons) === 0n) throw new Error(`user ring ${name}: mmap of consumer page failed`);
    this.maps.push({ ptr: cons, length: page });
    const prodLen = page + 2 * size;
    const prod = libc.mmap(null, prodLen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);
    if (addressOf(prod) === 2n ** 64n - 1n || addressOf(prod) === 0n) throw new Error(`user ring ${name}: mmap of data pages failed`);
    this.maps.push({ ptr: prod, length: prodLen });
    this.consumerPos = new BigUint64Array(viewOf(cons, 8));
    const prodBuf = viewOf(prod, prodLen);
    this.producerPos = new BigUint64Array(prodBuf, 0, 1);
    this.data = new DataView(prodBuf, page, 2 * size);
    this.bytes = new Uint8Array(prodBuf, page, 2 * size);
    this.mask = size - 1;
  }

  /** Free bytes in the ring. */
  free(): number {
    return this.size - Number(Atomics.load(this.producerPos, 0) - Atomics.load(this.consumerPos, 0));
  }

  /**
   * Writes up to `count` records of `sampleLen` bytes each, filled by `fill`, and
   * publishes them. Returns how many fit (the rest are not written).
   */
  writeBatch(count: number, sampleLen: number, fill: RecordWriter): number {
    const span = recordSpan(sampleLen);
    const prod = Atomics.load(this.producerPos, 0);
    const fit = Math.min(count, Math.floor(this.free() / span));
    let offset = Number(prod & BigInt(this.mask));
    for (let i = 0; i < fit; i++) {
      this.data.setUint32(offset, sampleLen, true);
      this.data.setUint32(offset + 4, 0, true);
      fill(this.data, offset + RINGBUF_HDR_SZ, i);
      offset = (offset + span) & this.mask;
    }
    if (fit > 0) Atomics.store(this.producerPos, 0, prod + BigInt(fit * span));
    return fit;
  }

  /** Writes one record of arbitrary bytes (tests use it to send malformed records). */
  writeRaw(sample: Uint8Array): boolean {
    return this.writeBatch(1, sample.length, (_view, offset) => this.bytes.set(sample, offset)) === 1;
  }

  close(): void {
    const libc = getLibc();
    for (const m of this.maps.splice(0)) libc.munmap(m.ptr, m.length);
  }
}
