/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slo_task_ctx.bpf.h - scx_slo's per-task state (task local storage task_ctxs) and the
 * enqueue sequence that identifies one enqueue of one task. Shared by the scheduler
 * (scx_slo.bpf.c) and the native tests that drive its decision path
 * (test/decision_test.bpf.c) on kernels without sched_ext.
 */
#ifndef __SLO_TASK_CTX_BPF_H
#define __SLO_TASK_CTX_BPF_H

enum task_state {
	TS_NONE = 0,	/* not queued by us, or dispatched */
	TS_PENDING,	/* in SLO_DSQ_PENDING, handed to userspace */
	TS_DECIDED,	/* in SLO_DSQ_PENDING with a decision to apply */
};

/* Per-task scheduler state (task local storage). */
struct task_ctx {
	u64 seq;		/* enqueue sequence (take_enqueue_seq()); decisions must match it */
	u64 enq_ns;		/* runnable since (kept across preemptions): the deadline's base */
	u64 queued_ns;		/* when the current enqueue happened: lag and wait are from here */
	u64 deadline;		/* SLO deadline of the current job (kept across preemptions) */
	u64 delay;		/* the SLO's laxity, budget * (101 - importance) / 100 */
	u64 counted_seq;	/* the enqueue whose first run was already accounted */
	u64 own_cgid;		/* cache: the task's cgroup id ... */
	u64 slo_cgid;		/* ... resolved to this SLO cgroup (0 = default) ... */
	u64 budget_ns;		/* ... with this budget ... */
	u32 importance;		/* ... and importance ... */
	u32 cfg_gen;		/* ... under this slo_cfg generation */
	u64 user_vtime;		/* the decision: ordering key in SLO_DSQ_USER */
	u64 user_slice;		/* at most SLO_MAX_SLICE_NS; 0 = ctl.slice_ns */
	u32 state;		/* enum task_state */
	bool told_user;		/* handed to userspace at least once: report its exit */
	bool no_preempt;	/* agent or kernel thread: never chosen as a preemption victim */
	bool urgent;		/* deadline within ctl.urgent_max_ns */
	bool preempted;		/* last stopped by our preemption while runnable */
};

/* Per-task state (struct task_ctx). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ctx);
} task_ctxs SEC(".maps");

/*
 * The last enqueue sequence handed out, one counter for all tasks. A task's sequence
 * must not restart with the task: pids are reused, and a late decision for an exited
 * task would otherwise match the first enqueues of a new task given the same pid.
 * Drawn from one 64-bit counter, (pid, seq) never repeats.
 */
u64 enqueue_seq;

/* Give @tctx's new enqueue a sequence number never handed out before (and never 0). */
static __always_inline void take_enqueue_seq(struct task_ctx *tctx)
{
	tctx->seq = __sync_fetch_and_add(&enqueue_seq, 1) + 1;
}

static __always_inline struct task_ctx *get_task_ctx(struct task_struct *p)
{
	return bpf_task_storage_get(&task_ctxs, p, NULL, 0);
}

/* Callers look up their stats once and bail out if that fails, so @st is never NULL. */
#define STAT_INC(st, field) ((st)->field++)

#endif /* __SLO_TASK_CTX_BPF_H */
