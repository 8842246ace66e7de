/* SPDX-License-Identifier: GPL-2.0 */
/*
 * decision_test - drives scx_slo's own decision path (apply_decision() from
 * bpf/slo_decision.bpf.h and the enqueue sequence from bpf/slo_task_ctx.bpf.h, the
 * headers the scheduler includes) on a kernel without sched_ext, on real tasks' task
 * local storage. agent/kernel/test/bpf-decisions.test.ts runs these SEC("syscall")
 * programs with BPF_PROG_TEST_RUN:
 *   enqueue  gives task args->pid a new enqueue sequence and marks it pending, as
 *            scx_slo's begin_enqueue() and queue_user() do; writes the sequence back;
 *   forget   deletes the task's storage: what its exit does, so a later task with the
 *            same pid starts from fresh storage (a reused pid);
 *   drain    drains decisions_urb through apply_decision(), counting into test_stats;
 *   inspect  writes the task's context back (sequence, state, the decision).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "scx_slo.h"

extern __u64 bpf_dynptr_size(const struct bpf_dynptr *p) __ksym;
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

#include "slo_decision.bpf.h"

char _license[] SEC("license") = "GPL";

/* Decisions from the test, as from the agent (struct slo_decision_msg). */
struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 16 << 10);
} decisions_urb SEC(".maps");

/* The counters apply_decision() bumps (stale_decisions, bad_decisions). One entry. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct slo_cpu_stats);
} test_stats SEC(".maps");

/* Context of enqueue, forget and inspect: the task, and what inspect reports. */
struct task_probe {
	__u32 pid;
	__s32 found;		/* 1 task and context found, 0 no context, -1 no such task */
	__u64 seq;
	__u64 user_vtime;
	__u64 user_slice;
	__u32 __pad;
	__u32 state;
};

static const __u32 zero;

SEC("syscall")
int enqueue(struct task_probe *a)
{
	struct task_struct *p = bpf_task_from_pid(a->pid);
	struct task_ctx *tctx;

	a->found = -1;
	if (!p)
		return 0;
	tctx = bpf_task_storage_get(&task_ctxs, p, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (tctx) {
		take_enqueue_seq(tctx);
		tctx->state = TS_PENDING;
		a->seq = tctx->seq;
		a->found = 1;
	}
	bpf_task_release(p);
	return 0;
}

SEC("syscall")
int forget(struct task_probe *a)
{
	struct task_struct *p = bpf_task_from_pid(a->pid);

	a->found = -1;
	if (!p)
		return 0;
	a->found = bpf_task_storage_delete(&task_ctxs, p) == 0;
	bpf_task_release(p);
	return 0;
}

SEC("syscall")
int drain(void *ctx)
{
	struct slo_cpu_stats *st = bpf_map_lookup_elem(&test_stats, &zero);
	struct drain_ctx dc = { .st = st };

	if (!st)
		return -1;
	return bpf_user_ringbuf_drain(&decisions_urb, apply_decision, &dc, 0);
}

SEC("syscall")
int inspect(struct task_probe *a)
{
	struct task_struct *p = bpf_task_from_pid(a->pid);
	struct task_ctx *tctx;

	a->found = -1;
	if (!p)
		return 0;
	tctx = get_task_ctx(p);
	a->found = tctx != NULL;
	if (tctx) {
		a->seq = tctx->seq;
		a->user_vtime = tctx->user_vtime;
		a->user_slice = tctx->user_slice;
		a->state = tctx->state;
	}
	bpf_task_release(p);
	return 0;
}
