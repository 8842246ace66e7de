// The memory layout both BPF ring buffer kinds share (kernel/bpf/ringbuf.c): a consumer
// position page, a producer position page, then the data area mapped twice in a row so
// a record never wraps. Each record is an 8-byte header (u32 length with BUSY and
// DISCARD flag bits, u32 page offset) followed by the sample, padded to 8 bytes.

export const RINGBUF_HDR_SZ = 8;
export const RINGBUF_BUSY_BIT = 0x80000000;
export const RINGBUF_DISCARD_BIT = 0x40000000;
export const RINGBUF_LEN_MASK = 0x3fffffff;

/** Bytes a record of `sampleLen` bytes takes in the ring, header and padding included. */
export function recordSpan(sampleLen: number): number {
  return (sampleLen + RINGBUF_HDR_SZ + 7) & ~7;
}
