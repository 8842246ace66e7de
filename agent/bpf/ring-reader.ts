// Consumer of a BPF_MAP_TYPE_RINGBUF (kernel -> agent) over mmap'd memory: records are
// read in place through one DataView over the ring, with no native call and no copy per
// record. Positions are u64 in shared memory; they are read once per drain and written
// once per drain (with release order through Atomics), the rest is Number arithmetic.
import {
  EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLLET, EPOLLIN, MAP_SHARED, PROT_READ, PROT_WRITE,
  addressOf, getLibc, pageSize, viewOf,
} from './native.js';
import { RINGBUF_BUSY_BIT, RINGBUF_DISCARD_BIT, RINGBUF_HDR_SZ, RINGBUF_LEN_MASK, recordSpan } from './ring-layout.js';

/** Called for each record: `view` covers the whole data area, the sample is at `offset`. */
export type RecordHandler = (view: DataView, offset: number, length: number) => void;

export class RingReader {
  private readonly consumerPos: BigUint64Array;
  private readonly producerPos: BigUint64Array;
  private readonly data: DataView;
  private readonly headers: Uint32Array;
  private readonly mask: number;
  private readonly maps: Array<{ ptr: unknown; length: number }> = [];
  private epfd = -1;

  /**
   * `fd` of the ring map, `size` its max_entries (a power of two, multiple of the page
   * size). `edgeTriggered`: the waits return on the kernel's wake-ups only, not whenever
   * the ring holds data (for batched wake-ups, where records come without one).
   */
  constructor(readonly name: string, private readonly fd: number, readonly size: number, private readonly edgeTriggered = false) {
    const libc = getLibc();
    const page = pageSize();
    const cons = libc.mmap(null, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (addressOf(cons) === 2n ** 64n - 1n || addressOf(cons) === 0n) throw new Error(`ring ${name}: mmap of consumer page failed`);
    this.maps.push({ ptr: cons, length: page });
    const prodLen = page + 2 * size;
    const prod = libc.mmap(null, prodLen, PROT_READ, MAP_SHARED, fd, page);
    if (addressOf(prod) === 2n ** 64n - 1n || addressOf(prod) === 0n) throw new Error(`ring ${name}: mmap of data pages failed`);
    this.maps.push({ ptr: prod, length: prodLen });
    this.consumerPos = new BigUint64Array(viewOf(cons, 8));
    const prodBuf = viewOf(prod, prodLen);
    this.producerPos = new BigUint64Array(prodBuf, 0, 1);
    this.data = new DataView(prodBuf, page, 2 * size);
    this.headers = new Uint32Array(prodBuf, page, (2 * size) / 4);
    this.mask = size - 1;
  }

  /** Bytes published by the kernel and not yet consumed. */
  pending(): number {
    return Number(Atomics.load(this.producerPos, 0) - Atomics.load(this.consumerPos, 0));
  }

  /**
   * Hands up to `max` committed records to `handler`, in order, then releases their space
   * to the kernel. Stops at a record the kernel is still writing. Returns how many.
   */
  drain(handler: RecordHandler, max = Infinity): number {
    const cons = Atomics.load(this.consumerPos, 0);
    const available = Number(Atomics.load(this.producerPos, 0) - cons);
    let offset = Number(cons & BigInt(this.mask));
    let consumed = 0;
    let count = 0;
    while (consumed < available && count < max) {
      const header = Atomics.load(this.headers, offset >>> 2) >>> 0;
      if (header & RINGBUF_BUSY_BIT) break;
      const length = header & RINGBUF_LEN_MASK;
      if (!(header & RINGBUF_DISCARD_BIT)) {
        handler(this.data, offset + RINGBUF_HDR_SZ, length);
        count++;
      }
      const span = recordSpan(length);
      consumed += span;
      offset = (offset + span) & this.mask;
    }
    if (consumed > 0) Atomics.store(this.consumerPos, 0, cons + BigInt(consumed));
    return count;
  }

  private epoll(): number {
    const libc = getLibc();
    if (this.epfd < 0) {
      this.epfd = libc.epollCreate1(EPOLL_CLOEXEC) as number;
      if (this.epfd < 0) throw new Error(`ring ${this.name}: epoll_create1 failed`);
      const rc = libc.epollCtl(this.epfd, EPOLL_CTL_ADD, this.fd, { events: this.edgeTriggered ? EPOLLIN | EPOLLET : EPOLLIN, data: 0n }) as number;
      if (rc !== 0) throw new Error(`ring ${this.name}: epoll_ctl failed`);
    }
    return this.epfd;
  }

  /**
   * Waits up to `timeoutMs` for data ON this thread (blocking it: nothing else runs
   * meanwhile), without the thread-pool hop of waitForData(); true when data came.
   */
  waitForDataBlocking(timeoutMs: number): boolean {
    const epfd = this.epoll();
    return (getLibc().epollWait(epfd, {}, 1, timeoutMs) as number) > 0;
  }

  /** Waits up to `timeoutMs` for data, off the JavaScript thread; resolves true when data came. */
  waitForData(timeoutMs: number): Promise<boolean> {
    const libc = getLibc();
    this.epoll();
    return new Promise((resolve, reject) => {
      const out = {};
      libc.epollWait.async(this.epfd, out, 1, timeoutMs, (err: unknown, n: number) => {
        if (err) reject(err as Error);
        else resolve(n > 0);
      });
    });
  }

  close(): void {
    const libc = getLibc();
    for (const m of this.maps.splice(0)) libc.munmap(m.ptr, m.length);
    if (this.epfd >= 0) libc.close(this.epfd);
    this.epfd = -1;
  }
}
