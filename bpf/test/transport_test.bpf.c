/* SPDX-License-Identifier: GPL-2.0 */
/*
 * transport_test - drives the agent's ring-buffer transport on a kernel without
 * sched_ext. The native tests run these SEC("syscall") programs with
 * BPF_PROG_TEST_RUN:
 *   produce      writes N struct slo_task_msg records into tasks_rb, as scx_slo's
 *                ops.enqueue() does, counting the ones that did not fit;
 *   produce_exits writes N struct slo_exit_msg records into tasks_rb, as scx_slo's
 *                ops.exit_task() does;
 *   produce_odd  writes one record of a wrong size and unknown kind (malformed);
 *   consume      drains decisions_urb like scx_slo's ops.dispatch(), checking each
 *                record's size and summing its fields so the test can compare.
 * Results accumulate in the one-entry array transport_results.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "scx_slo.h"

extern __u64 bpf_dynptr_size(const struct bpf_dynptr *p) __ksym;

char _license[] SEC("license") = "GPL";

/* Same kinds as scx_slo's rings; sizes small so tests reach wrap-around and full. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 10);
} tasks_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 16 << 10);
} decisions_urb SEC(".maps");

/* What the programs did, cumulative. */
struct transport_results {
	__u64 produced;		/* records submitted to tasks_rb */
	__u64 full;		/* records that did not fit */
	__u64 consumed;		/* well-formed decisions drained */
	__u64 malformed;	/* decisions of the wrong size */
	__u64 sum_pid;		/* sums over consumed decisions */
	__u64 sum_seq;
	__u64 sum_vtime;
	__u64 sum_slice;
	__u64 nonzero_pad;	/* consumed decisions whose __pad was not 0 */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct transport_results);
} transport_results SEC(".maps");

/* Context of produce and produce_exits: how many records, the first pid/seq to use. */
struct produce_args {
	__u32 count;
	__u32 first_pid;
	__u64 first_seq;
	__u64 enq_ns;
};

static const __u32 zero;

SEC("syscall")
int produce(struct produce_args *args)
{
	struct transport_results *r = bpf_map_lookup_elem(&transport_results, &zero);
	struct slo_task_msg *m;
	__u32 i;

	if (!r)
		return -1;
	bpf_for(i, 0, args->count) {
		m = bpf_ringbuf_reserve(&tasks_rb, sizeof(*m), 0);
		if (!m) {
			r->full++;
			continue;
		}
		m->kind = SLO_MSG_TASK;
		m->pid = args->first_pid + i;
		m->tgid = args->first_pid;
		m->prev_cpu = (__s32)(i % 4) - 1;
		m->cgroup_id = 1000 + i;
		m->slo_cgroup_id = 2000 + (i % 3);
		m->enq_ns = args->enq_ns + i;
		m->runtime_ns = (__u64)i * 1000;
		m->seq = args->first_seq + i;
		m->deadline_ns = args->enq_ns + 1000000 + i;
		m->weight = 100;
		m->flags = SLO_TASK_WAKEUP;
		bpf_ringbuf_submit(m, 0);
		r->produced++;
	}
	return 0;
}

SEC("syscall")
int produce_exits(struct produce_args *args)
{
	struct transport_results *r = bpf_map_lookup_elem(&transport_results, &zero);
	struct slo_exit_msg *m;
	__u32 i;

	if (!r)
		return -1;
	bpf_for(i, 0, args->count) {
		m = bpf_ringbuf_reserve(&tasks_rb, sizeof(*m), 0);
		if (!m) {
			r->full++;
			continue;
		}
		m->kind = SLO_MSG_EXIT;
		m->pid = args->first_pid + i;
		bpf_ringbuf_submit(m, 0);
		r->produced++;
	}
	return 0;
}

SEC("syscall")
int produce_odd(void *ctx)
{
	__u32 *m = bpf_ringbuf_reserve(&tasks_rb, 12, 0);

	if (!m)
		return -1;
	m[0] = 0xdead;
	m[1] = 0xbeef;
	m[2] = 0;
	bpf_ringbuf_submit(m, 0);
	return 0;
}

static long consume_one(struct bpf_dynptr *dynptr, void *ctx)
{
	struct transport_results *r = ctx;
	struct slo_decision_msg d;

	if (bpf_dynptr_size(dynptr) != sizeof(d) || bpf_dynptr_read(&d, sizeof(d), dynptr, 0, 0)) {
		r->malformed++;
		return 0;
	}
	r->consumed++;
	r->sum_pid += d.pid;
	r->sum_seq += d.seq;
	r->sum_vtime += d.vtime;
	r->sum_slice += d.slice_ns;
	if (d.__pad)
		r->nonzero_pad++;
	return 0;
}

SEC("syscall")
int consume(void *ctx)
{
	struct transport_results *r = bpf_map_lookup_elem(&transport_results, &zero);
	struct transport_results acc = {};	/* the drain context must live on the stack */
	long n;

	if (!r)
		return -1;
	n = bpf_user_ringbuf_drain(&decisions_urb, consume_one, &acc, 0);
	r->consumed += acc.consumed;
	r->malformed += acc.malformed;
	r->sum_pid += acc.sum_pid;
	r->sum_seq += acc.sum_seq;
	r->sum_vtime += acc.sum_vtime;
	r->sum_slice += acc.sum_slice;
	r->nonzero_pad += acc.nonzero_pad;
	return n;
}
