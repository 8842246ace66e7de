/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scx_slo - an SLO-aware sched_ext scheduler whose ordering policy runs in userspace.
 *
 * Every workload (cgroup) may carry an SLO: a latency budget and an importance 1..100.
 * A task's deadline when it becomes runnable is
 *
 *	deadline = now + budget_ns * (101 - importance) / 100	(saturating u64)
 *
 * taken from its cgroup or the nearest configured ancestor (slo_cfg), or the default
 * budget when none is configured.
 *
 * Delegation, in the style of scx_rustland: ops.enqueue() sends each runnable task
 * through the tasks_rb ring buffer to the agent and parks the task in SLO_DSQ_PENDING.
 * The agent's policy answers with decisions (ordering key "vtime", slice) through the
 * decisions_urb user ring buffer; ops.dispatch() drains them, moves decided tasks from
 * PENDING to SLO_DSQ_USER (ordered by the policy's vtime), and consumes. Which CPU runs
 * a task stays the kernel's choice. When a task that was handed to userspace leaves
 * (ops.exit_task), an exit record on tasks_rb tells the policy to forget it. A record
 * wakes the agent when it finds it caught up, or with ctl.wake_batch > 1 once a batch
 * waits or its oldest record is overdue (slo_ring_wake.bpf.h; the kick timer checks).
 *
 * The kernel never waits on userspace for what it can decide alone. These tasks go
 * straight to SLO_DSQ_EDF, ordered by their kernel-computed deadline (counted as
 * "direct" dispatches):
 *   - the agent's own threads, with a deadline one lag bound away, so they run ahead of
 *     the lax work they schedule but behind tighter deadlines, and kernel threads;
 *   - "urgent" tasks, whose deadline is closer than the agent can react
 *     (ctl.urgent_max_ns, zero when the policy does not want it), which also preempt the CPU running the task
 *     with the latest deadline, if later than theirs (straight into that CPU's local
 *     DSQ with SCX_ENQ_PREEMPT): wake-up preemption for tight budgets;
 *   - a job such a task preempted, resuming with the deadline it kept (it was decided
 *     already; sending it back to the agent would put a ring record and an agent
 *     wake-up inside every preemption).
 *
 * Deadlines follow EDF jobs: a job starts when a task wakes up or its slice ends; a
 * preempted task keeps its job's deadline, so lax work cannot be starved by being
 * preempted and re-queued behind every newcomer; a task that keeps its CPU past its
 * deadline (nothing else wanted it) starts a new job at the next tick.
 *
 * In-kernel EDF fallback, so the machine keeps running whatever userspace does:
 *   1. a pending task that got no decision within ctl.lag_ns is moved to SLO_DSQ_EDF
 *      by the next dispatch (a timer kicks idle CPUs and ops.tick ends the slice of busy
 *      ones when no scan happened for a while, so "next" comes soon);
 *   2. tasks_rb full: the task goes to SLO_DSQ_EDF at once;
 *   3. a decision whose sequence number is not the task's current enqueue (already
 *      dispatched by the fallback, re-queued, exited) is dropped and counted;
 *   4. heartbeat older than ctl.stall_ns (agent stopped): nothing is delegated, every
 *      task goes to SLO_DSQ_EDF; delegation resumes with the next heartbeat;
 *   and a CPU that finds nothing decided runs the earliest-deadline pending task rather
 *   than idle while the agent thinks (work conservation);
 *   5. agent dead: its struct_ops link closes with it and the kernel returns every task
 *      to the default scheduler.
 * A CPU takes work from SLO_DSQ_EDF or SLO_DSQ_USER, whichever head has the earlier SLO
 * deadline, so a tight deadline never waits behind lax work and neither queue starves.
 *
 * Accounting: per-CPU counters (slo_stats), per-SLO-cgroup runs/misses/slack
 * (slo_cg_stats, the agent's overload signal), and a deadline-miss event per task that
 * first runs after its deadline (miss_rb), rate-limited per CPU.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "scx_slo.h"
#include "scx_compat.bpf.h"
#include "slo_deadline.bpf.h"
#include "slo_task_ctx.bpf.h"
#include "slo_decision.bpf.h"
#include "slo_miss_limit.bpf.h"
#include "slo_ring_wake.bpf.h"

char _license[] SEC("license") = "GPL";

#define MAX_CPUS	SLO_MAX_CPUS	/* bound of the victim search and kick loops */
#define MAX_CG_DEPTH	32	/* ancestors searched for an SLO */
#define PF_KTHREAD_FLAG	0x00200000	/* include/linux/sched.h PF_KTHREAD */
#define KICK_PERIOD_NS	1000000ULL	/* the kick timer's period */
#define WATCHDOG_TIMEOUT_MS	5000	/* sched_ext ejects us if a runnable task waits longer */
#define SCAN_BUDGET	64		/* tasks of SLO_DSQ_PENDING one dispatch looks at */

/* Per-CPU scheduler state. */
struct cpu_ctx {
	u64 cur_deadline;	/* deadline of the task running here; 0 = idle or not preemptible */
	bool preempt_pending;	/* we preempted this CPU (SCX_ENQ_PREEMPT); its task has not stopped yet */
	struct miss_window miss;	/* the miss-event rate limit's window */
};

/* Runnable tasks handed to userspace and their exits (struct slo_task_msg, slo_exit_msg). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} tasks_rb SEC(".maps");

/* Decisions from userspace (struct slo_decision_msg). */
struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 1 << 20);
} decisions_urb SEC(".maps");

/* Deadline-miss events to userspace (struct slo_miss_event), rate-limited per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} miss_rb SEC(".maps");

/* cgroup id -> SLO, written by the agent (bump slo_ctl.cfg_gen after changes). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);
	__type(value, struct slo_cfg);
} slo_cfg SEC(".maps");

/* SLO cgroup id -> runs, misses, slack; read by the agent. LRU so it cannot fill up. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);
	__type(value, struct slo_cg_stats);
} slo_cg_stats SEC(".maps");

/* The agent's control block: heartbeat, tunables. One entry. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct slo_ctl);
} slo_ctl SEC(".maps");

/* Per-CPU counters, summed by the agent. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct slo_cpu_stats);
} slo_stats SEC(".maps");

/* Per-CPU scheduler state (struct cpu_ctx). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct cpu_ctx);
} cpu_ctxs SEC(".maps");

/* The kick timer (see slo_kick_timer_fn). */
struct kick_timer {
	struct bpf_timer timer;
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct kick_timer);
} kick_timer SEC(".maps");

/* Why the scheduler exited, for the agent to print after it detaches. One entry. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct slo_exit_info);
} exit_info SEC(".maps");

/* bpf_ktime of the last scan that reached the end of SLO_DSQ_PENDING (not cut off). */
u64 last_full_scan_ns;

/* The last scan was cut off: the next one walks from the other end of SLO_DSQ_PENDING. */
bool scan_from_tail;

static const u32 zero;

static __always_inline struct slo_ctl *get_ctl(void)
{
	return bpf_map_lookup_elem(&slo_ctl, &zero);
}

static __always_inline struct slo_cpu_stats *get_stats(void)
{
	return bpf_map_lookup_elem(&slo_stats, &zero);
}

/* The task's own cgroup v2 id (its kernfs node id). */
static __always_inline u64 task_cgroup_id(struct task_struct *p)
{
	return BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id);
}

/*
 * Find the SLO of @p's cgroup or its nearest configured ancestor, caching the answer in
 * @tctx until the task changes cgroup or the agent changes slo_cfg (cfg_gen).
 */
static void resolve_slo(struct task_struct *p, struct task_ctx *tctx, struct slo_ctl *ctl)
{
	struct cgroup *cgrp, *anc;
	struct slo_cfg *cfg;
	u64 own = task_cgroup_id(p), id;
	int level, i;

	if (tctx->own_cgid == own && tctx->cfg_gen == ctl->cfg_gen && tctx->budget_ns)
		return;

	tctx->own_cgid = own;
	tctx->cfg_gen = ctl->cfg_gen;
	tctx->slo_cgid = 0;
	tctx->budget_ns = ctl->default_budget_ns;
	tctx->importance = ctl->default_importance;

	cgrp = BPF_CORE_READ(p, cgroups, dfl_cgrp);
	level = BPF_CORE_READ(cgrp, level);
	for (i = 0; i < MAX_CG_DEPTH; i++) {
		if (level - i < 0)
			break;
		anc = NULL;
		bpf_probe_read_kernel(&anc, sizeof(anc), &cgrp->ancestors[level - i]);
		if (!anc)
			break;
		id = BPF_CORE_READ(anc, kn, id);
		cfg = bpf_map_lookup_elem(&slo_cfg, &id);
		if (cfg) {
			tctx->slo_cgid = id;
			tctx->budget_ns = cfg->budget_ns;
			tctx->importance = cfg->importance;
			return;
		}
	}
}

static __always_inline bool agent_alive(struct slo_ctl *ctl, u64 now)
{
	return ctl->heartbeat_ns && now - ctl->heartbeat_ns <= ctl->stall_ns;
}

static __always_inline bool is_agent(struct task_struct *p, struct slo_ctl *ctl)
{
	return ctl->agent_tgid && p->tgid == ctl->agent_tgid;
}

/*
 * Deadline of a job that starts at @now: the agent's is one lag bound away (how soon its
 * decisions are due), everyone else's comes from its SLO.
 */
static __always_inline u64 job_deadline(struct task_struct *p, struct task_ctx *tctx,
					struct slo_ctl *ctl, u64 now)
{
	if (is_agent(p, ctl))
		return now + ctl->lag_ns;
	return slo_deadline(now, tctx->budget_ns, tctx->importance);
}

/* Slice for a task the kernel dispatches: its SLO laxity, within [SLO_MIN_SLICE_NS, slice_ns]. */
static __always_inline u64 kernel_slice(struct task_ctx *tctx, struct slo_ctl *ctl)
{
	u64 slice = ctl->slice_ns;

	if (tctx->delay < slice)
		slice = tctx->delay;
	return slice < SLO_MIN_SLICE_NS ? SLO_MIN_SLICE_NS : slice;
}

/*
 * Start of an enqueue: new sequence number, SLO and deadline. A task put back after a
 * preemption keeps the deadline of the job it was running (textbook EDF); otherwise, as
 * a wake-up or at the end of its slice, its job starts now. True for a resumed job.
 */
static bool begin_enqueue(struct task_struct *p, struct task_ctx *tctx, struct slo_ctl *ctl, u64 now,
			  u64 enq_flags)
{
	bool resumed = tctx->preempted && !(enq_flags & SCX_ENQ_WAKEUP) && tctx->deadline;

	tctx->preempted = false;
	take_enqueue_seq(tctx);
	tctx->queued_ns = now;
	tctx->state = TS_NONE;
	resolve_slo(p, tctx, ctl);
	if (resumed) {
		/* Same job: its first run was accounted already. */
		tctx->counted_seq = tctx->seq;
	} else {
		tctx->enq_ns = now;
		tctx->deadline = job_deadline(p, tctx, ctl, now);
		tctx->delay = tctx->deadline - now;
	}
	tctx->no_preempt = is_agent(p, ctl) || (p->flags & PF_KTHREAD_FLAG);
	tctx->urgent = ctl->urgent_max_ns && tctx->delay <= ctl->urgent_max_ns;
	return resumed;
}

/*
 * May @p be moved to @cpu's local DSQ now? Its affinity must allow @cpu, and a task with
 * migration disabled stays where it is (sched_ext ejects a scheduler that gets this wrong).
 */
static __always_inline bool can_run_on(struct task_struct *p, s32 cpu)
{
	if (!bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
		return false;
	return !p->migration_disabled || scx_bpf_task_cpu(p) == cpu;
}

/*
 * The CPU an urgent @p should preempt: of the CPUs it may run on now, the one running
 * the task with the latest deadline, if that is later than @p's; -1 if there is none.
 */
static s32 preemption_victim(struct task_struct *p, struct task_ctx *tctx)
{
	struct cpu_ctx *cc;
	u64 worst = tctx->deadline;
	s32 cpu, victim = -1;
	u32 nr = scx_bpf_nr_cpu_ids();

	bpf_for(cpu, 0, MAX_CPUS) {
		if ((u32)cpu >= nr)
			break;
		if (!can_run_on(p, cpu))
			continue;
		cc = bpf_map_lookup_percpu_elem(&cpu_ctxs, &zero, cpu);
		if (cc && cc->cur_deadline > worst) {
			worst = cc->cur_deadline;
			victim = cpu;
		}
	}
	return victim;
}

/*
 * Queue @p in the in-kernel EDF by its SLO deadline. An urgent task also wakes an idle
 * CPU it may use or, with none idle, takes the CPU of its preemption victim at once: it
 * goes straight to that CPU's local DSQ with SCX_ENQ_PREEMPT, which ends the running
 * task's slice and reschedules the CPU right there. (SCX_KICK_PREEMPT would do the same
 * from an irq_work, which the guest was seen to run only at the next tick, 2-4 ms later,
 * whenever the victim was the waking CPU itself.)
 */
static void queue_kernel(struct task_struct *p, struct task_ctx *tctx, struct slo_ctl *ctl,
			 struct slo_cpu_stats *st, u64 enq_flags)
{
	struct cpu_ctx *cc;
	s32 cpu;

	if (tctx->urgent) {
		cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
		if (cpu < 0 && (cpu = preemption_victim(p, tctx)) >= 0) {
			cc = bpf_map_lookup_percpu_elem(&cpu_ctxs, &zero, cpu);
			if (cc) {
				cc->preempt_pending = true;	/* the victim resumes its job later */
				/*
				 * The CPU is @p's now (SCX_ENQ_PREEMPT puts it at the head
				 * of the local DSQ): a later urgent task must not pick it
				 * as a victim too and go ahead of @p.
				 */
				cc->cur_deadline = tctx->deadline;
			}
			slo_insert(p, SCX_DSQ_LOCAL_ON | cpu, kernel_slice(tctx, ctl),
				   enq_flags | SCX_ENQ_PREEMPT);
			STAT_INC(st, preemptions);
			return;
		}
		slo_insert_vtime(p, SLO_DSQ_EDF, kernel_slice(tctx, ctl), tctx->deadline, enq_flags);
		if (cpu >= 0)
			scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
		return;
	}
	slo_insert_vtime(p, SLO_DSQ_EDF, kernel_slice(tctx, ctl), tctx->deadline, enq_flags);
}

/* Hand @p to userspace. False when tasks_rb is full. */
static bool queue_user(struct task_struct *p, struct task_ctx *tctx, struct slo_ctl *ctl,
		       struct slo_cpu_stats *st, u64 enq_flags, s32 prev_cpu, u64 now)
{
	u64 avail = ring_wake_unread(&tasks_rb, ctl->wake_batch), wake;
	struct slo_task_msg *msg;

	msg = bpf_ringbuf_reserve(&tasks_rb, sizeof(*msg), 0);
	if (!msg)
		return false;
	msg->kind = SLO_MSG_TASK;
	msg->pid = p->pid;
	msg->tgid = p->tgid;
	msg->prev_cpu = prev_cpu;
	msg->cgroup_id = tctx->own_cgid;
	msg->slo_cgroup_id = tctx->slo_cgid;
	msg->enq_ns = tctx->enq_ns;
	msg->runtime_ns = p->se.sum_exec_runtime;
	msg->seq = tctx->seq;
	msg->deadline_ns = tctx->deadline;
	msg->weight = p->scx.weight;
	msg->flags = (enq_flags & SCX_ENQ_WAKEUP ? SLO_TASK_WAKEUP : SLO_TASK_SLICE_EXPIRED) |
		     (p->nr_cpus_allowed == 1 ? SLO_TASK_PINNED : 0);
	/* Mark pending before userspace can see the record: a fast decision must find it so. */
	tctx->state = TS_PENDING;
	tctx->told_user = true;
	wake = ring_wake_flags(avail, ctl->wake_batch, ctl->wake_after_ns, now);
	bpf_ringbuf_submit(msg, wake);
	if (wake == BPF_RB_FORCE_WAKEUP)
		STAT_INC(st, agent_wakeups);
	slo_insert_vtime(p, SLO_DSQ_PENDING, ctl->slice_ns, tctx->deadline, enq_flags);
	return true;
}

s32 BPF_STRUCT_OPS(slo_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	struct slo_ctl *ctl = get_ctl();
	struct task_ctx *tctx = get_task_ctx(p);
	struct slo_cpu_stats *st;
	bool is_idle = false;
	u64 now;
	s32 cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (!is_idle || !ctl || !tctx)
		return cpu;

	/* An idle CPU is ready: run at once what the kernel may decide alone. */
	now = bpf_ktime_get_ns();
	begin_enqueue(p, tctx, ctl, now, SCX_ENQ_WAKEUP);
	if (!tctx->no_preempt && !tctx->urgent && agent_alive(ctl, now))
		return cpu;	/* delegated: ops.enqueue() hands it to userspace */
	st = get_stats();
	if (!st)
		return cpu;
	STAT_INC(st, enqueued);
	if (agent_alive(ctl, now) || tctx->no_preempt)
		STAT_INC(st, direct);
	else
		STAT_INC(st, fallback_stalled);
	slo_insert(p, SCX_DSQ_LOCAL, kernel_slice(tctx, ctl), 0);
	return cpu;
}

void BPF_STRUCT_OPS(slo_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct slo_ctl *ctl = get_ctl();
	struct task_ctx *tctx = get_task_ctx(p);
	struct slo_cpu_stats *st = get_stats();
	u64 now = bpf_ktime_get_ns();
	bool resumed;

	if (!ctl || !tctx || !st) {
		/* One-entry arrays always have their entry; ops.init_task() made the context. */
		if (!tctx)
			scx_bpf_error("enqueue: pid %d has no task context", p->pid);
		else
			scx_bpf_error("enqueue: no control block or stats");
		return;
	}
	STAT_INC(st, enqueued);
	resumed = begin_enqueue(p, tctx, ctl, now, enq_flags);

	if (is_agent(p, ctl)) {
		/*
		 * The agent goes ahead of the work it schedules, but not ahead of tighter
		 * deadlines: it joins the in-kernel EDF with a deadline one lag bound away
		 * (how soon its decisions are due, set by begin_enqueue()) and preempts
		 * like any urgent task.
		 */
		tctx->urgent = true;
		STAT_INC(st, direct);
		queue_kernel(p, tctx, ctl, st, enq_flags);
		return;
	}
	/*
	 * A job preempted by an urgent task resumes in the in-kernel EDF with the deadline
	 * it kept: it was decided already, and handing it to userspace again would put a
	 * ring record and an agent wake-up on every preemption, inside the urgent task's
	 * switch-in.
	 */
	if (tctx->no_preempt || tctx->urgent || resumed) {
		STAT_INC(st, direct);
		queue_kernel(p, tctx, ctl, st, enq_flags);
		return;
	}
	if (!agent_alive(ctl, now)) {
		STAT_INC(st, fallback_stalled);
		queue_kernel(p, tctx, ctl, st, enq_flags);
		return;
	}
	if (!queue_user(p, tctx, ctl, st, enq_flags, scx_bpf_task_cpu(p), now)) {
		STAT_INC(st, fallback_ringfull);
		queue_kernel(p, tctx, ctl, st, enq_flags);
		return;
	}
	STAT_INC(st, to_user);
}

static __always_inline void record_lag(struct slo_cpu_stats *st, u64 lag_ns)
{
	u64 us = lag_ns / 1000;
	u32 b = 0;

	while (us && b < SLO_LAG_BUCKETS - 1) {
		us >>= 1;
		b++;
	}
	if (b < SLO_LAG_BUCKETS)
		st->lag_hist[b]++;
}

/*
 * Walk SLO_DSQ_PENDING: apply decisions (to SLO_DSQ_USER) and move tasks that waited
 * past the lag bound to the in-kernel EDF.
 *
 * One walk looks at SCAN_BUDGET tasks at most, however many are pending. A walk cut off
 * there is counted (scan_cutoffs) and the next one starts from the other end of the
 * queue, so the lax tail is reached as well as the urgent head; until a walk reaches
 * the end again, ops.tick ends busy CPUs' slices every half lag bound (and the kick
 * timer wakes idle ones), so more walks come and every pending task is reached.
 */
static void scan_pending(struct slo_ctl *ctl, struct slo_cpu_stats *st, u64 now)
{
	struct bpf_iter_scx_dsq it;
	struct task_struct *p;
	struct task_ctx *tctx;
	bool cut = false;
	u64 slice;
	u32 i;

	bpf_iter_scx_dsq_new(&it, SLO_DSQ_PENDING, scan_from_tail ? SCX_DSQ_ITER_REV : 0);
	bpf_for(i, 0, SCAN_BUDGET + 1) {
		p = bpf_iter_scx_dsq_next(&it);
		if (!p)
			break;
		if (i == SCAN_BUDGET) {
			cut = true;	/* a task beyond the budget: leave it for the next walk */
			break;
		}
		tctx = get_task_ctx(p);
		if (!tctx)
			continue;
		if (tctx->state == TS_DECIDED) {
			slice = tctx->user_slice ? tctx->user_slice : ctl->slice_ns;
			if (!slo_move(&it, p, SLO_DSQ_USER, slice, tctx->user_vtime, true))
				continue;
			tctx->state = TS_NONE;
			STAT_INC(st, user_dispatched);
			record_lag(st, now - tctx->queued_ns);
		} else if (now - tctx->queued_ns >= ctl->lag_ns) {
			if (!slo_move(&it, p, SLO_DSQ_EDF, kernel_slice(tctx, ctl), tctx->deadline, true))
				continue;
			tctx->state = TS_NONE;
			STAT_INC(st, fallback_lag);
		}
	}
	bpf_iter_scx_dsq_destroy(&it);
	if (cut) {
		STAT_INC(st, scan_cutoffs);
		scan_from_tail = !scan_from_tail;
	} else {
		last_full_scan_ns = now;
		scan_from_tail = false;
	}
}

/*
 * Work conservation: this CPU found nothing decided and would go idle while tasks wait
 * for the agent. Run the earliest-deadline one that may run here now; its decision, when
 * it comes, is dropped as stale. A CPU never idles waiting on userspace.
 */
static void run_pending_rather_than_idle(s32 cpu, struct slo_ctl *ctl, struct slo_cpu_stats *st)
{
	struct bpf_iter_scx_dsq it;
	struct task_struct *p;
	struct task_ctx *tctx;
	u32 i;

	if (!scx_bpf_dsq_nr_queued(SLO_DSQ_PENDING))
		return;
	bpf_iter_scx_dsq_new(&it, SLO_DSQ_PENDING, 0);
	bpf_for(i, 0, SCAN_BUDGET) {	/* bounded like scan_pending() */
		p = bpf_iter_scx_dsq_next(&it);
		if (!p)
			break;
		tctx = get_task_ctx(p);
		if (!tctx || !can_run_on(p, cpu))
			continue;
		if (slo_move(&it, p, SCX_DSQ_LOCAL, kernel_slice(tctx, ctl), 0, false)) {
			tctx->state = TS_NONE;
			STAT_INC(st, fallback_idle);
			break;
		}
	}
	bpf_iter_scx_dsq_destroy(&it);
}

/* SLO deadline of the first task of @dsq_id; U64_MAX when it is empty. */
static u64 head_deadline(u64 dsq_id)
{
	struct bpf_iter_scx_dsq it;
	struct task_struct *p;
	struct task_ctx *tctx;
	u64 deadline = U64_MAX;

	bpf_iter_scx_dsq_new(&it, dsq_id, 0);
	p = bpf_iter_scx_dsq_next(&it);
	if (p) {
		tctx = get_task_ctx(p);
		deadline = tctx ? tctx->deadline : 0;
	}
	bpf_iter_scx_dsq_destroy(&it);
	return deadline;
}

void BPF_STRUCT_OPS(slo_dispatch, s32 cpu, struct task_struct *prev)
{
	struct slo_ctl *ctl = get_ctl();
	struct slo_cpu_stats *st = get_stats();
	struct drain_ctx dc = { .st = st };
	u64 now = bpf_ktime_get_ns();

	if (!ctl || !st)
		return;
	bpf_user_ringbuf_drain(&decisions_urb, apply_decision, &dc, 0);
	if (scx_bpf_dsq_nr_queued(SLO_DSQ_PENDING) > 0)
		scan_pending(ctl, st, now);

	/*
	 * Two ready queues, one ordered by the kernel's deadlines, one by the policy's: take
	 * from the one whose head has the earlier SLO deadline (every task has one), so a
	 * tight deadline never waits behind lax work and neither queue starves the other.
	 */
	if (head_deadline(SLO_DSQ_USER) < head_deadline(SLO_DSQ_EDF)) {
		if (slo_move_to_local(SLO_DSQ_USER) || slo_move_to_local(SLO_DSQ_EDF))
			return;
	} else if (slo_move_to_local(SLO_DSQ_EDF) || slo_move_to_local(SLO_DSQ_USER)) {
		return;
	}
	run_pending_rather_than_idle(cpu, ctl, st);
}

void BPF_STRUCT_OPS(slo_tick, struct task_struct *p)
{
	struct slo_ctl *ctl = get_ctl();
	struct task_ctx *tctx = get_task_ctx(p);
	struct cpu_ctx *cc = bpf_map_lookup_elem(&cpu_ctxs, &zero);
	u64 now = bpf_ktime_get_ns();

	if (!ctl)
		return;
	/*
	 * A task running past its deadline (typically one that kept its CPU because
	 * nothing else wanted it, its slice refilled without an enqueue; or a job that
	 * started late) starts a new job, so it stays preemptible by tighter deadlines.
	 */
	if (tctx && cc && cc->cur_deadline && now > tctx->deadline) {
		tctx->enq_ns = now;
		tctx->deadline = job_deadline(p, tctx, ctl, now);
		cc->cur_deadline = tctx->deadline;
	}
	/*
	 * Nobody scanned the whole pending queue for half a lag bound (no walk at all, or
	 * only walks cut off at SCAN_BUDGET): end this slice to walk it.
	 */
	if (scx_bpf_dsq_nr_queued(SLO_DSQ_PENDING) && now - last_full_scan_ns > ctl->lag_ns / 2)
		slo_set_slice(p, 0);
}

/* Account the first run of @tctx's current enqueue: slack, misses, miss events. */
static void account_run(struct task_struct *p, struct task_ctx *tctx, struct slo_ctl *ctl, u64 now)
{
	struct slo_cpu_stats *st = get_stats();
	struct slo_cg_stats *cs, fresh = {};
	struct slo_miss_event *ev;
	struct cpu_ctx *cc;
	u64 key = tctx->slo_cgid;
	bool late = now > tctx->deadline;

	tctx->counted_seq = tctx->seq;
	if (!st)
		return;
	cs = bpf_map_lookup_elem(&slo_cg_stats, &key);
	if (!cs) {
		bpf_map_update_elem(&slo_cg_stats, &key, &fresh, BPF_NOEXIST);
		cs = bpf_map_lookup_elem(&slo_cg_stats, &key);
	}
	if (cs) {
		__sync_fetch_and_add(&cs->runs, 1);
		__sync_fetch_and_add(&cs->wait_ns_sum, now - tctx->queued_ns);
		cs->last_run_ns = now;
		cs->last_slack_ns = (s64)(tctx->deadline - now);
		if (late) {
			__sync_fetch_and_add(&cs->misses, 1);
			cs->last_miss_ns = now;
		}
	}
	if (!late)
		return;

	STAT_INC(st, deadline_misses);
	cc = bpf_map_lookup_elem(&cpu_ctxs, &zero);
	if (!cc)
		return;
	if (!miss_event_admit(&cc->miss, ctl->miss_events_per_sec, now)) {
		STAT_INC(st, miss_events_dropped);
		return;
	}
	ev = bpf_ringbuf_reserve(&miss_rb, sizeof(*ev), 0);
	if (!ev) {
		STAT_INC(st, miss_events_dropped);
		return;
	}
	ev->slo_cgroup_id = tctx->slo_cgid;
	ev->deadline_ns = tctx->deadline;
	ev->lateness_ns = now - tctx->deadline;
	ev->pid = p->pid;
	ev->cpu = bpf_get_smp_processor_id();
	bpf_ringbuf_submit(ev, 0);
}

void BPF_STRUCT_OPS(slo_running, struct task_struct *p)
{
	struct slo_ctl *ctl = get_ctl();
	struct task_ctx *tctx = get_task_ctx(p);
	struct cpu_ctx *cc = bpf_map_lookup_elem(&cpu_ctxs, &zero);

	if (!ctl || !tctx)
		return;
	if (cc) {
		/*
		 * Victim choice: kernel threads are never preempted; the agent only by tasks
		 * more urgent than its own reaction time (the lag bound); the rest by laxity.
		 */
		if (is_agent(p, ctl))
			cc->cur_deadline = bpf_ktime_get_ns() + ctl->lag_ns;
		else
			cc->cur_deadline = tctx->no_preempt ? 0 : tctx->deadline;
		cc->preempt_pending = false;
	}
	if (tctx->counted_seq != tctx->seq && !tctx->no_preempt)
		account_run(p, tctx, ctl, bpf_ktime_get_ns());
}

void BPF_STRUCT_OPS(slo_stopping, struct task_struct *p, bool runnable)
{
	struct cpu_ctx *cc = bpf_map_lookup_elem(&cpu_ctxs, &zero);
	struct task_ctx *tctx = get_task_ctx(p);

	if (!cc)
		return;
	/* Stopped by our preemption while still runnable: the job goes on. */
	if (tctx && runnable && cc->preempt_pending)
		tctx->preempted = true;
	cc->preempt_pending = false;
	cc->cur_deadline = 0;
}

s32 BPF_STRUCT_OPS(slo_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	if (!bpf_task_storage_get(&task_ctxs, p, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE))
		return -ENOMEM;
	return 0;
}

/*
 * @p leaves sched_ext (it exited, or the scheduler is being unloaded). If it was ever
 * handed to userspace, an exit record tells the policy to drop its per-task state.
 */
void BPF_STRUCT_OPS(slo_exit_task, struct task_struct *p, struct scx_exit_task_args *args)
{
	struct task_ctx *tctx = get_task_ctx(p);
	struct slo_cpu_stats *st = get_stats();
	struct slo_ctl *ctl = get_ctl();
	struct slo_exit_msg *msg;

	if (!tctx || !tctx->told_user || !st || !ctl)
		return;
	msg = bpf_ringbuf_reserve(&tasks_rb, sizeof(*msg), 0);
	if (!msg) {
		STAT_INC(st, exits_dropped);
		return;
	}
	msg->kind = SLO_MSG_EXIT;
	msg->pid = p->pid;
	/* Not worth a wake-up of its own when wake-ups are batched: the next one carries it. */
	bpf_ringbuf_submit(msg, ctl->wake_batch > 1 ? BPF_RB_NO_WAKEUP : 0);
	STAT_INC(st, exits_to_user);
}

/*
 * Every KICK_PERIOD_NS: wake idle CPUs while tasks wait in SLO_DSQ_PENDING or USER, and
 * wake the agent for a batch of records that stopped growing (slo_ring_wake.bpf.h).
 */
static int slo_kick_timer_fn(void *map, int *key, struct bpf_timer *timer)
{
	struct slo_ctl *ctl = get_ctl();
	struct slo_cpu_stats *st;
	u32 nr = scx_bpf_nr_cpu_ids();
	s32 cpu;

	if (ctl && ring_wake_if_overdue(&tasks_rb, ctl->wake_batch, ctl->wake_after_ns, bpf_ktime_get_ns())) {
		st = get_stats();
		if (st)
			STAT_INC(st, agent_wakeups);
	}

	if (scx_bpf_dsq_nr_queued(SLO_DSQ_PENDING) > 0 || scx_bpf_dsq_nr_queued(SLO_DSQ_USER) > 0) {
		bpf_for(cpu, 0, MAX_CPUS) {
			if ((u32)cpu >= nr)
				break;
			scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
		}
	}
	bpf_timer_start(timer, KICK_PERIOD_NS, 0);
	return 0;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(slo_init)
{
	struct kick_timer *kt;
	s32 ret;

	/* The victim search and the kick timer see SLO_MAX_CPUS CPUs; refuse more. */
	if (scx_bpf_nr_cpu_ids() > SLO_MAX_CPUS) {
		scx_bpf_error("%u possible CPUs: scx_slo handles at most %d", scx_bpf_nr_cpu_ids(), SLO_MAX_CPUS);
		return -E2BIG;
	}
	ret = scx_bpf_create_dsq(SLO_DSQ_EDF, -1);
	if (ret) {
		scx_bpf_error("failed to create DSQ %d: %d", SLO_DSQ_EDF, ret);
		return ret;
	}
	ret = scx_bpf_create_dsq(SLO_DSQ_USER, -1);
	if (ret) {
		scx_bpf_error("failed to create DSQ %d: %d", SLO_DSQ_USER, ret);
		return ret;
	}
	ret = scx_bpf_create_dsq(SLO_DSQ_PENDING, -1);
	if (ret) {
		scx_bpf_error("failed to create DSQ %d: %d", SLO_DSQ_PENDING, ret);
		return ret;
	}

	kt = bpf_map_lookup_elem(&kick_timer, &zero);
	if (!kt) {
		scx_bpf_error("no kick timer");
		return -ENOENT;
	}
	bpf_timer_init(&kt->timer, &kick_timer, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&kt->timer, slo_kick_timer_fn);
	return bpf_timer_start(&kt->timer, KICK_PERIOD_NS, 0);
}

void BPF_STRUCT_OPS(slo_exit, struct scx_exit_info *ei)
{
	struct slo_exit_info *info = bpf_map_lookup_elem(&exit_info, &zero);

	if (!info)
		return;
	info->kind = ei->kind;
	bpf_probe_read_kernel_str(info->reason, sizeof(info->reason), ei->reason);
	bpf_probe_read_kernel_str(info->msg, sizeof(info->msg), ei->msg);
}

SEC(".struct_ops.link")
struct sched_ext_ops slo_ops = {
	.select_cpu	= (void *)slo_select_cpu,
	.enqueue	= (void *)slo_enqueue,
	.dispatch	= (void *)slo_dispatch,
	.tick		= (void *)slo_tick,
	.running	= (void *)slo_running,
	.stopping	= (void *)slo_stopping,
	.init_task	= (void *)slo_init_task,
	.exit_task	= (void *)slo_exit_task,
	.init		= (void *)slo_init,
	.exit		= (void *)slo_exit,
	.timeout_ms	= WATCHDOG_TIMEOUT_MS,
	.name		= "slo",
};
