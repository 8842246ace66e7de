/* SPDX-License-Identifier: GPL-2.0 */
/*
 * miss_limit_test - runs scx_slo's own deadline-miss rate limit (miss_event_admit() from
 * bpf/slo_miss_limit.bpf.h, the header the scheduler includes) on a kernel without
 * sched_ext. agent/kernel/test/bpf-miss-limit.test.ts runs the SEC("syscall") program
 * admit once per deadline miss, with the miss's time, as scx_slo's account_run() does.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "slo_miss_limit.bpf.h"

char _license[] SEC("license") = "GPL";

/* One CPU's window, as in scx_slo's struct cpu_ctx. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct miss_window);
} window SEC(".maps");

/* Context of admit: the miss's time and the limit; the answer is the return value. */
struct admit_args {
	__u64 now;
	__u32 per_sec;
	__u32 __pad;
};

static const __u32 zero;

SEC("syscall")
int admit(struct admit_args *a)
{
	struct miss_window *w = bpf_map_lookup_elem(&window, &zero);

	if (!w)
		return -1;
	return miss_event_admit(w, a->per_sec, a->now);
}
