/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slo_miss_limit.bpf.h - the per-CPU rate limit of scx_slo's deadline-miss events
 * (miss_rb): at most ctl.miss_events_per_sec events per CPU per one-second window.
 * Shared by the scheduler (scx_slo.bpf.c) and its native test
 * (test/miss_limit_test.bpf.c).
 */
#ifndef __SLO_MISS_LIMIT_BPF_H
#define __SLO_MISS_LIMIT_BPF_H

#define MISS_WINDOW_NS	1000000000ULL	/* the rate limit's window: one second */

/* One CPU's miss-event window. */
struct miss_window {
	u64 start_ns;		/* start of the current window */
	u32 events;		/* events admitted in it */
	u32 __pad;
};

/*
 * May a miss event go out at @now? True (and counted in @w) while fewer than @per_sec
 * were admitted in the window; a window older than a second starts afresh at @now.
 */
static __always_inline bool miss_event_admit(struct miss_window *w, u32 per_sec, u64 now)
{
	if (now - w->start_ns >= MISS_WINDOW_NS) {
		w->start_ns = now;
		w->events = 0;
	}
	if (w->events >= per_sec)
		return false;
	w->events++;
	return true;
}

#endif /* __SLO_MISS_LIMIT_BPF_H */
