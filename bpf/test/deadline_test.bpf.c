/* SPDX-License-Identifier: GPL-2.0 */
/*
 * deadline_test - runs scx_slo's own slo_deadline() (bpf/slo_deadline.bpf.h, the header
 * the scheduler includes) on a kernel without sched_ext. The native table test
 * (agent/kernel/test/bpf-deadline.test.ts) runs this SEC("syscall") program with
 * BPF_PROG_TEST_RUN for every row of policy/test/deadline-table.json, the table the
 * TypeScript copy is checked against too.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "slo_deadline.bpf.h"

char _license[] SEC("license") = "GPL";

/* One row: the inputs, and the deadline written back by the program. */
struct deadline_case {
	__u64 now;
	__u64 budget;
	__u32 importance;
	__u32 __pad;
	__u64 deadline;
};

SEC("syscall")
int deadline(struct deadline_case *c)
{
	c->deadline = slo_deadline(c->now, c->budget, c->importance);
	return 0;
}
