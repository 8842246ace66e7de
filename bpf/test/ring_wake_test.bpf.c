/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring_wake_test - drives slo_ring_wake.bpf.h (batched wake-ups of the agent) on a
 * kernel without sched_ext. The native test runs these SEC("syscall") programs with
 * BPF_PROG_TEST_RUN, at times it chooses, and watches the ring's reader wake (or not)
 * through an edge-triggered epoll, as the agent waits:
 *   submit   one task record into tasks_rb with ring_wake_flags() as scx_slo's
 *            ops.enqueue() does; returns the flags it used;
 *   overdue  ring_wake_if_overdue(), as scx_slo's kick timer calls it; returns 1 when
 *            it woke the reader.
 * decisions_urb is only written (by the delegation loop under test), never drained.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "scx_slo.h"
#include "slo_ring_wake.bpf.h"

char _license[] SEC("license") = "GPL";

/* As scx_slo's tasks_rb; small. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 10);
} tasks_rb SEC(".maps");

/* As scx_slo's decisions_urb: the delegation loop's test writes its decisions here. */
struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 16 << 10);
} decisions_urb SEC(".maps");

/* Context of both programs: the settings and the time to act at. */
struct wake_args {
	__u32 wake_batch;
	__u32 pid;		/* submit: the record's pid */
	__u64 wake_after_ns;
	__u64 now_ns;
};

SEC("syscall")
int submit(struct wake_args *args)
{
	u64 avail = ring_wake_unread(&tasks_rb, args->wake_batch), flags;
	struct slo_task_msg *m;

	m = bpf_ringbuf_reserve(&tasks_rb, sizeof(*m), 0);
	if (!m)
		return -1;
	__builtin_memset(m, 0, sizeof(*m));
	m->kind = SLO_MSG_TASK;
	m->pid = args->pid;
	flags = ring_wake_flags(avail, args->wake_batch, args->wake_after_ns, args->now_ns);
	bpf_ringbuf_submit(m, flags);
	return flags;
}

SEC("syscall")
int overdue(struct wake_args *args)
{
	return ring_wake_if_overdue(&tasks_rb, args->wake_batch, args->wake_after_ns, args->now_ns);
}
