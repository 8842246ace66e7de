/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rqlat - run-queue latency per cgroup, for the agent's monitoring-only mode on kernels
 * without sched_ext. Nothing here changes scheduling: three BTF tracepoint programs
 * watch the kernel's own scheduler.
 *
 * A task's run-queue latency is the time from becoming runnable to running, the span
 * the kernel's schedstat run_delay measures:
 *
 *	sched_wakeup_new		a new task becomes runnable: its wait starts
 *	sched_wakeup			a task becomes runnable: its wait starts, unless it
 *					is already waiting (woken again while queued: the
 *					wait began earlier)
 *	sched_switch, prev still runnable
 *	  (preempted, or yielded)	prev goes back to the run queue: its wait starts,
 *					marked as a re-queue (an involuntary wait)
 *	sched_switch, next		next starts running: its wait ends and is added to
 *					rqlat_hist[next's cgroup v2 id]
 *
 * Each task has a record in wake_ts, keyed by pid, that holds the start of its current
 * wait (0 when it is not waiting). Records are reused in place rather than deleted, so
 * the steady state is one lookup and a store per event; a task's first wake-up inserts
 * its record. "Already waiting" is a live record whose voluntary context-switch count
 * (nvcsw) is the task's current one: the task has not slept since the wait began. A
 * record left live by a switch-in that happened before the programs were attached is
 * thus restarted by the task's next wake-up, never taken for a wait in progress. A
 * task woken while still running (before it got to sleep) gets a live record it does
 * not wait on; its next event replaces it: a preemption restarts it, and sleeping
 * moves nvcsw on, so the wake-up after the sleep restarts it too.
 * wake_ts is an LRU map: records of exited tasks, and of tasks asleep for longest when
 * there are more tasks than entries, are evicted; an evicted record costs nothing but
 * its next insert, as a waiting task's record is in recent use. Only waits that began
 * while the programs were attached are counted.
 *
 * The histogram (struct slo_rqlat_hist, bpf/scx_slo.h) is log2 in microseconds: bucket
 * i counts waits in [2^(i-1), 2^i) us, bucket 0 those under 1 us, the last bucket
 * everything longer. It is shared by every CPU and updated with atomic adds, so its
 * memory does not grow with the CPU count; rqlat_hist is an LRU map so cgroups that
 * are gone make room for new ones (an evicted cgroup starts again from zero).
 *
 * Both maps are preallocated (hash and LRU maps are by default): these programs run
 * with run-queue locks held, where allocating memory could wake kswapd and deadlock on
 * older kernels. For the same reason the records are kept in a map keyed by pid rather
 * than task local storage, which allocates on first use. Task fields are read with
 * plain (CO-RE relocated) loads through the tracepoints' BTF pointers, which cost a
 * load each where bpf_probe_read_kernel() (BPF_CORE_READ) costs a helper call.
 *
 * All accesses to one task's record happen under that task's run-queue lock (wake-ups,
 * switches and migrations all hold it), so plain stores to a record do not race.
 *
 * Needs: BTF (tp_btf, CO-RE), kernel >= 5.8 (tp_btf 5.5, CAP_BPF/CAP_PERFMON 5.8).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "scx_slo.h"
#include "slo_log2.bpf.h"
#include "slo_task_state.bpf.h"

char _license[] SEC("license") = "GPL";

#define TASK_RUNNING	0	/* include/linux/sched.h */
#define NSEC_PER_USEC	1000ULL

/* A task's current wait (value of wake_ts). */
struct wake_rec {
	u64 ts;			/* bpf_ktime_get_ns() when the wait began; 0: not waiting */
	u64 nvcsw;		/* the task's voluntary context switches then */
	u32 requeue;		/* 1: put back on the run queue while running; 0: woken */
	u32 __pad;
};

/*
 * pid (thread id) -> the task's current wait. The agent sizes it before load to at
 * least 256 entries per CPU, so the LRU's per-CPU free lists never starve it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u32);
	__type(value, struct wake_rec);
} wake_ts SEC(".maps");

/* cgroup v2 id -> run-queue latency histogram (read by the agent, never written). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, u64);
	__type(value, struct slo_rqlat_hist);
} rqlat_hist SEC(".maps");

/* The id of the task's cgroup on the v2 (default) hierarchy: its kernfs node id. */
static __always_inline u64 task_cgroup_id(struct task_struct *p)
{
	return p->cgroups->dfl_cgrp->kn->id;
}

/* The histogram bucket of a wait of `ns` nanoseconds. */
static __always_inline u32 bucket_of(u64 ns)
{
	u64 us = ns / NSEC_PER_USEC;
	u32 b;

	if (!us)
		return 0;
	b = log2_u64(us) + 1;
	return b < SLO_RQLAT_BUCKETS ? b : SLO_RQLAT_BUCKETS - 1;
}

/* The histogram of cgroup `cgid`, created empty on first use; NULL if it cannot be. */
static struct slo_rqlat_hist *hist_of(u64 cgid)
{
	struct slo_rqlat_hist *hist, zero;

	hist = bpf_map_lookup_elem(&rqlat_hist, &cgid);
	if (hist)
		return hist;
	__builtin_memset(&zero, 0, sizeof(zero));
	bpf_map_update_elem(&rqlat_hist, &cgid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&rqlat_hist, &cgid);
}

/* Starts a wait of task `p` (pid `pid`, record `rec` if it has one) at `now`. */
static __always_inline void start_wait(struct task_struct *p, u32 pid, struct wake_rec *rec,
				       u64 now, u32 requeue)
{
	struct wake_rec fresh = { .ts = now, .nvcsw = p->nvcsw, .requeue = requeue };

	if (rec) {
		*rec = fresh;
		return;
	}
	bpf_map_update_elem(&wake_ts, &pid, &fresh, BPF_ANY);
}

/* Task `p` was woken: a wait starts unless it is already waiting. */
static __always_inline void on_wakeup(struct task_struct *p)
{
	struct wake_rec *rec;
	u32 pid = p->pid;

	if (!pid)
		return;
	rec = bpf_map_lookup_elem(&wake_ts, &pid);
	if (rec && rec->ts && rec->nvcsw == p->nvcsw)
		return;
	start_wait(p, pid, rec, bpf_ktime_get_ns(), 0);
}

/* Task `p` starts running at `now`: account its wait, if it began while we watched. */
static __always_inline void account_run(struct task_struct *p, u64 now)
{
	struct slo_rqlat_hist *hist;
	struct wake_rec *rec;
	u32 pid = p->pid;
	u64 wait;

	if (!pid)	/* the idle tasks: all pid 0, never queued */
		return;
	rec = bpf_map_lookup_elem(&wake_ts, &pid);
	if (!rec || !rec->ts)
		return;
	wait = now > rec->ts ? now - rec->ts : 0;
	rec->ts = 0;

	hist = hist_of(task_cgroup_id(p));
	if (!hist)
		return;
	__sync_fetch_and_add(&hist->count, 1);
	__sync_fetch_and_add(&hist->sum_ns, wait);
	__sync_fetch_and_add(&hist->buckets[bucket_of(wait)], 1);
	if (rec->requeue) {
		__sync_fetch_and_add(&hist->requeue_count, 1);
		__sync_fetch_and_add(&hist->requeue_sum_ns, wait);
	}
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(rqlat_wakeup, struct task_struct *p)
{
	on_wakeup(p);
	return 0;
}

/* A new task's pid may be a dead task's: its wait starts now whatever the record says. */
SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(rqlat_wakeup_new, struct task_struct *p)
{
	u32 pid = p->pid;

	if (pid)
		start_wait(p, pid, bpf_map_lookup_elem(&wake_ts, &pid), bpf_ktime_get_ns(), 0);
	return 0;
}

/*
 * prev stays on the run queue when it was preempted or is still TASK_RUNNING (it
 * yielded, or a signal cancelled its sleep); otherwise it blocked and its next wake-up
 * starts its wait. The tracepoint's prev_state argument (5.18+) is not used so older
 * kernels load this too.
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(rqlat_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	u64 now = bpf_ktime_get_ns();
	u32 pid = prev->pid;

	if (pid && (preempt || task_state(prev) == TASK_RUNNING))
		start_wait(prev, pid, bpf_map_lookup_elem(&wake_ts, &pid), now, 1);
	account_run(next, now);
	return 0;
}
