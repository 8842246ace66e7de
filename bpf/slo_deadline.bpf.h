/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slo_deadline.bpf.h - the SLO deadline formula, shared by the scheduler (scx_slo.bpf.c)
 * and the shadow programs (shadow.bpf.c); policy/deadline.ts mirrors it:
 *
 *	deadline = now + budget_ns * (101 - importance) / 100	(saturating u64)
 */
#ifndef __SLO_DEADLINE_BPF_H
#define __SLO_DEADLINE_BPF_H

#ifndef U64_MAX
#define U64_MAX		((u64)~0ULL)
#endif

/* The deadline formula, saturating instead of wrapping. */
static __always_inline u64 slo_deadline(u64 now, u64 budget, u32 importance)
{
	u64 factor, limit, delay;

	if (importance < 1)
		importance = 1;
	if (importance > 100)
		importance = 100;
	factor = 101 - importance;
	/* barrier_var keeps clang from turning the check into a 128-bit multiply BPF lacks */
	limit = U64_MAX / factor;
	barrier_var(limit);
	delay = budget > limit ? U64_MAX : budget * factor / 100;
	return now > U64_MAX - delay ? U64_MAX : now + delay;
}

#endif /* __SLO_DEADLINE_BPF_H */
