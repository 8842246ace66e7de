/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slo_deadline.bpf.h - the SLO deadline formula of scx_slo, in a header of its own so
 * that the scheduler (scx_slo.bpf.c), the shadow programs (shadow.bpf.c) and the native
 * table test (test/deadline_test.bpf.c, run on kernels without sched_ext) compile the
 * same function. policy/deadline.ts is the
 * TypeScript copy; both are checked against policy/test/deadline-table.json.
 */
#ifndef __SLO_DEADLINE_BPF_H
#define __SLO_DEADLINE_BPF_H

#ifndef U64_MAX
#define U64_MAX		((u64)~0ULL)
#endif

/*
 * deadline = now + budget * (101 - importance) / 100, importance clamped to 1..100,
 * saturating at U64_MAX instead of wrapping.
 */
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
