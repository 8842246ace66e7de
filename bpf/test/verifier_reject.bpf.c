/* SPDX-License-Identifier: GPL-2.0 */
/*
 * verifier_reject - an object the verifier must refuse: its one program reads past the
 * end of a map value. The native tests load it to check that a rejection surfaces as an
 * error carrying the verifier's log, never as a silent failure.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

/* One 8-byte value, read out of bounds below. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} small SEC(".maps");

SEC("syscall")
int read_past_end(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&small, &key);

	if (!v)
		return 0;
	return (int)v[4];	/* offset 32 of an 8-byte value */
}
