/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slo_log2.bpf.h - floor(log2) without loops, for the log-scale latency histograms of
 * rqlat.bpf.c (monitoring-only mode) and shadow.bpf.c (shadow delegation).
 */
#ifndef __SLO_LOG2_BPF_H
#define __SLO_LOG2_BPF_H

/* floor(log2(v)) for v > 0, without loops. */
static __always_inline u32 log2_u64(u64 v)
{
	u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8)  { v >>= 8;  r += 8; }
	if (v >> 4)  { v >>= 4;  r += 4; }
	if (v >> 2)  { v >>= 2;  r += 2; }
	if (v >> 1)  { r += 1; }
	return r;
}

#endif /* __SLO_LOG2_BPF_H */
