/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slo_decision.bpf.h - how scx_slo takes one decision from the agent (decisions_urb):
 * the bpf_user_ringbuf_drain() callback that checks a decision against its task's
 * current enqueue and records it. Shared by the scheduler (scx_slo.bpf.c) and its native
 * test (test/decision_test.bpf.c), which drives this very function on a kernel without
 * sched_ext. Needs slo_task_ctx.bpf.h, scx_slo.h and the kfunc declarations of
 * bpf_dynptr_size, bpf_task_from_pid and bpf_task_release.
 */
#ifndef __SLO_DECISION_BPF_H
#define __SLO_DECISION_BPF_H

#include "slo_task_ctx.bpf.h"

/*
 * Context of one decisions_urb drain. A drain takes what is in the ring (bounded by its
 * size); no counter here, or the verifier would explore every iteration separately.
 */
struct drain_ctx {
	struct slo_cpu_stats *st;
};

/*
 * Record one decision in its task's context if it is for the task's current enqueue
 * (same pid, same sequence, still pending); count it stale otherwise (task exited,
 * already dispatched or re-queued, or a new task with a reused pid), bad if malformed.
 * The slice asked for is capped at SLO_MAX_SLICE_NS.
 */
static long apply_decision(struct bpf_dynptr *dynptr, void *data)
{
	struct drain_ctx *dc = data;
	struct slo_decision_msg d;
	struct task_struct *p;
	struct task_ctx *tctx;

	if (bpf_dynptr_size(dynptr) != sizeof(d) || bpf_dynptr_read(&d, sizeof(d), dynptr, 0, 0)) {
		STAT_INC(dc->st, bad_decisions);
		return 0;
	}
	p = bpf_task_from_pid(d.pid);
	if (!p) {
		STAT_INC(dc->st, stale_decisions);
		return 0;
	}
	tctx = get_task_ctx(p);
	if (tctx && tctx->state == TS_PENDING && tctx->seq == d.seq) {
		tctx->user_vtime = d.vtime;
		tctx->user_slice = d.slice_ns > SLO_MAX_SLICE_NS ? SLO_MAX_SLICE_NS : d.slice_ns;
		tctx->state = TS_DECIDED;
	} else {
		STAT_INC(dc->st, stale_decisions);
	}
	bpf_task_release(p);
	return 0;
}

#endif /* __SLO_DECISION_BPF_H */
