/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scx_slo.h - record layouts shared by the BPF scheduler (scx_slo.bpf.c) and the
 * TypeScript agent. agent/kernel/kernel-abi.ts mirrors every struct and constant here
 * (the constants a policy needs are defined in policy/api.ts, which policies may import,
 * and listed there), and agent/kernel/test/kernel-abi.test.ts compiles this header to
 * check the two agree: change both together and bump SLO_ABI_VERSION.
 *
 * Only fixed-width types, naturally aligned, no implicit padding.
 */
#ifndef __SCX_SLO_H
#define __SCX_SLO_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SLO_ABI_VERSION 3

/*
 * Defaults and bounds shared by the kernel side, the agent, the policies and the
 * simulator (policy/api.ts holds the TypeScript copies, which policies may import).
 */
#define SLO_MIN_SLICE_NS	250000ULL	/* shortest slice the kernel gives, and edf's floor */
#define SLO_DEFAULT_SLICE_NS	5000000ULL	/* ctl.slice_ns unless the agent is told otherwise */
#define SLO_DEFAULT_BUDGET_NS	100000000ULL	/* ctl.default_budget_ns: workloads with no SLO */
#define SLO_DEFAULT_IMPORTANCE	50		/* ctl.default_importance: workloads with no SLO */

/* The longest slice a decision may ask for; longer ones are cut to this. */
#define SLO_MAX_SLICE_NS 1000000000ULL

/* CPUs the scheduler handles (preemption and kick loops); the agent refuses more. */
#define SLO_MAX_CPUS 1024

/* Dispatch queues the scheduler creates (user DSQ ids). */
enum slo_dsq {
	SLO_DSQ_EDF = 0,	/* kernel deadline order: direct and fallback tasks */
	SLO_DSQ_USER = 1,	/* userspace order: tasks with a userspace decision */
	SLO_DSQ_PENDING = 2,	/* handed to userspace, waiting for a decision */
};

/* struct slo_task_msg.flags */
enum slo_task_flags {
	SLO_TASK_WAKEUP = 1 << 0,	/* became runnable by a wake-up */
	SLO_TASK_SLICE_EXPIRED = 1 << 1,/* re-queued at the end of its slice */
	SLO_TASK_PINNED = 1 << 2,	/* may run on one CPU only */
};

/*
 * Records on the ring buffer tasks_rb (kernel -> agent). Every record starts with its
 * kind, a __u32 enum slo_msg_kind, and has the size of its struct.
 */
enum slo_msg_kind {
	SLO_MSG_TASK = 1,		/* struct slo_task_msg */
	SLO_MSG_EXIT = 2,		/* struct slo_exit_msg */
};

/* A task handed to userspace: it became runnable and waits for a decision. */
struct slo_task_msg {
	__u32 kind;			/* SLO_MSG_TASK */
	__u32 pid;
	__u32 tgid;
	__s32 prev_cpu;
	__u64 cgroup_id;		/* the task's own cgroup v2 id */
	__u64 slo_cgroup_id;		/* the cgroup whose SLO applies, 0 = default */
	__u64 enq_ns;			/* bpf_ktime_get_ns() when its job started (runnable since) */
	__u64 runtime_ns;		/* se.sum_exec_runtime */
	__u64 seq;			/* enqueue sequence, unique across all tasks; echoed in the decision */
	__u64 deadline_ns;		/* the job's SLO deadline: enq_ns + budget * (101 - importance) / 100 */
	__u32 weight;			/* p->scx.weight, 100 = nice 0 */
	__u32 flags;			/* enum slo_task_flags */
};

/*
 * A task that was handed to userspace at least once left sched_ext (it exited, or the
 * scheduler is being unloaded): the policy may drop what it keeps about it.
 */
struct slo_exit_msg {
	__u32 kind;			/* SLO_MSG_EXIT */
	__u32 pid;
};

/*
 * Agent -> kernel, one per decision (user ring buffer decisions_urb). The task goes to
 * SLO_DSQ_USER, ordered by vtime; the CPU it runs on is the kernel's choice.
 */
struct slo_decision_msg {
	__u32 pid;
	__u32 __pad;			/* 0 */
	__u64 seq;			/* slo_task_msg.seq of the enqueue decided on */
	__u64 vtime;			/* ordering key in SLO_DSQ_USER, kernel ns */
	__u64 slice_ns;			/* 0 = ctl.slice_ns; capped at SLO_MAX_SLICE_NS */
};

/* cgroup id -> SLO (hash map slo_cfg, written by the agent). */
struct slo_cfg {
	__u64 budget_ns;
	__u32 importance;		/* 1..100 */
	__u32 flags;			/* reserved, 0 */
};

/* Agent -> kernel control block (array map slo_ctl, one entry, written by the agent). */
struct slo_ctl {
	__u64 heartbeat_ns;		/* the agent's last heartbeat, bpf_ktime; 0 = none yet */
	__u64 lag_ns;			/* a pending task waits at most this long for a decision */
	__u64 stall_ns;			/* heartbeat older than this: stop delegating */
	__u64 slice_ns;			/* default slice */
	__u64 urgent_max_ns;		/* "urgent": deadline within this of now, the kernel runs it at once */
	__u64 default_budget_ns;	/* budget of workloads with no SLO */
	__u32 default_importance;
	__u32 agent_tgid;		/* the agent's threads are always dispatched directly */
	__u32 cfg_gen;			/* bumped whenever slo_cfg changes */
	__u32 miss_events_per_sec;	/* per-CPU rate limit of miss events */
	__u32 wake_batch;		/* wake the agent once this many task records wait (0, 1: at the first) */
	__u32 __pad;
	__u64 wake_after_ns;		/* ... or once the oldest has waited this long (slo_ring_wake.bpf.h) */
};

/* Per-CPU counters (per-CPU array slo_stats, one entry). */
#define SLO_LAG_BUCKETS 24	/* lag_hist[i]: userspace lag in [2^(i-1), 2^i) us; [0] < 1 us */
struct slo_cpu_stats {
	__u64 enqueued;			/* ops.enqueue calls */
	__u64 to_user;			/* tasks handed to userspace */
	__u64 user_dispatched;		/* tasks run in the order userspace decided */
	__u64 direct;			/* dispatched by the kernel at once (agent, kthreads, tight deadlines, idle CPU) */
	__u64 fallback_lag;		/* pending tasks whose decision did not come within lag_ns */
	__u64 fallback_ringfull;	/* tasks_rb full: straight to the in-kernel EDF */
	__u64 fallback_stalled;		/* no live agent: straight to the in-kernel EDF */
	__u64 fallback_idle;		/* pending tasks a CPU ran rather than idle while waiting for a decision */
	__u64 stale_decisions;		/* decisions for tasks already dispatched, requeued or exited */
	__u64 bad_decisions;		/* malformed decision records */
	__u64 deadline_misses;		/* a task first ran after its deadline */
	__u64 miss_events_dropped;	/* miss events suppressed by the rate limit */
	__u64 preemptions;		/* CPUs preempted for an urgent task (SCX_ENQ_PREEMPT) */
	__u64 exits_to_user;		/* task exits sent on tasks_rb (struct slo_exit_msg) */
	__u64 exits_dropped;		/* task exits that did not fit in tasks_rb */
	__u64 scan_cutoffs;		/* dispatches whose walk of SLO_DSQ_PENDING stopped at its budget */
	__u64 agent_wakeups;		/* batched wake-ups of the agent (ctl.wake_batch > 1), see slo_ring_wake.bpf.h */
	__u64 lag_hist[SLO_LAG_BUCKETS];
};

/* Kernel -> agent, a deadline miss (ring buffer miss_rb, rate-limited per CPU). */
struct slo_miss_event {
	__u64 slo_cgroup_id;
	__u64 deadline_ns;
	__u64 lateness_ns;
	__u32 pid;
	__u32 cpu;
};

/* Per-SLO-cgroup accounting (hash map slo_cg_stats, written by the kernel). */
struct slo_cg_stats {
	__u64 runs;			/* times a task of the workload started running after an enqueue */
	__u64 misses;			/* of those, after its deadline */
	__u64 last_run_ns;		/* bpf_ktime of the latest such start */
	__u64 last_miss_ns;		/* bpf_ktime of the latest miss, 0 = never */
	__s64 last_slack_ns;		/* deadline - start of the latest run (negative: late) */
	__u64 wait_ns_sum;		/* total enqueue-to-run wait, for mean wait */
};

/* Why the scheduler exited (array map exit_info, one entry, written by ops.exit()). */
struct slo_exit_info {
	__s32 kind;			/* enum scx_exit_kind; 0 = has not exited */
	__u32 __pad;
	char reason[128];
	char msg[512];
};

/*
 * Monitoring-only mode (rqlat.bpf.c, for kernels without sched_ext): run-queue latency,
 * the wait from becoming runnable (woken, or put back by a preemption) to running, per
 * cgroup v2 id (LRU hash rqlat_hist, written by the kernel with atomic adds).
 */
#define SLO_RQLAT_BUCKETS 24	/* buckets[i]: waits in [2^(i-1), 2^i) us; [0] < 1 us; the last also counts longer */
struct slo_rqlat_hist {
	__u64 count;			/* waits measured */
	__u64 sum_ns;			/* their total */
	__u64 requeue_count;		/* of those, waits after a preemption (the task stayed runnable) */
	__u64 requeue_sum_ns;		/* their total */
	__u64 buckets[SLO_RQLAT_BUCKETS];
};

/*
 * Shadow delegation (shadow.bpf.c, `scx-slo shadow` and `make bench-delegation`): on a
 * kernel whose own scheduler stays in charge, the real wake-ups are sent to the agent
 * as struct slo_task_msg records and its decisions are drained and timed, not applied.
 */
#define SLO_SHADOW_BUCKETS 80	/* shadow_stats.lat_hist: quarter-octave buckets in us, see shadow.bpf.c */

/* Agent -> shadow programs (array map shadow_ctl, one entry, written by the agent). */
struct slo_shadow_ctl {
	__u64 default_budget_ns;	/* budget of workloads with no SLO (the record's kernel deadline) */
	__u32 default_importance;
	__u32 agent_tgid;		/* the agent's own threads are never sent */
	__u32 enabled;			/* 0: send nothing (not started, or stopping) */
	__u32 nr_slos;			/* entries in shadow_slo_cfg; 0 skips the cgroup walk */
	__u32 wake_batch;		/* as slo_ctl.wake_batch */
	__u32 __pad;
	__u64 wake_after_ns;		/* as slo_ctl.wake_after_ns */
};

/* Per-CPU counters of the shadow programs (per-CPU array shadow_stats, one entry). */
struct slo_shadow_stats {
	__u64 sent;			/* task records submitted to tasks_rb */
	__u64 ring_full;		/* records that did not fit (the agent is behind) */
	__u64 decided;			/* decisions matched to their record: latency recorded */
	__u64 stale;			/* decisions not timed: SHADOW_SLOTS newer records of the task since, or unknown pid */
	__u64 bad;			/* malformed decision records */
	__u64 drains;			/* drains that consumed at least one decision */
	__u64 max_ns;			/* longest decision latency seen on this CPU */
	__u64 sum_ns;			/* total decision latency */
	__u64 wakeups;			/* batched wake-ups of the agent (ctl.wake_batch > 1) */
	__u64 lat_hist[SLO_SHADOW_BUCKETS];	/* decision latency: record submitted -> decision drained */
};

#endif /* __SCX_SLO_H */
