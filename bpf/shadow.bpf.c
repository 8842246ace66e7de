/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shadow - scx_slo's delegation path on a node whose own scheduler stays in charge
 * (`scx-slo shadow`, `make bench-delegation`). Nothing here changes scheduling.
 *
 * scx_slo's ops.enqueue() sends each runnable task to the agent as a struct
 * slo_task_msg through the tasks_rb ring buffer, and ops.dispatch() drains the agent's
 * struct slo_decision_msg answers from the decisions_urb user ring buffer. These
 * programs do the same on the kernel's real scheduling events, so the agent runs its
 * real loop and policy on the node's real load, and the time each decision takes is
 * measured where the kernel would use it:
 *
 *	sched_wakeup, sched_wakeup_new	a task becomes runnable: one record, flagged
 *					SLO_TASK_WAKEUP (ops.enqueue() of a wake-up)
 *	sched_switch, prev still	prev goes back to the run queue (preempted, or its
 *	  runnable			slice ended): one record, SLO_TASK_SLICE_EXPIRED
 *	sched_switch, every one		drain decisions_urb, as ops.dispatch() does when a
 *					CPU picks its next task; each decision whose record
 *					is the task's latest adds its latency (record
 *					submitted -> decision drained) to the histogram
 *
 * Not sent, as scx_slo dispatches them in the kernel: the idle tasks (pid 0), kernel
 * threads and the agent's own threads. Unlike scx_slo, a task woken onto an idle CPU is
 * sent too (scx_slo runs it at once without asking), so this is the upper bound of
 * what the agent would have to decide. A record's kernel deadline is computed from the
 * SLO of its cgroup or nearest configured ancestor (shadow_slo_cfg, only walked when the
 * agent configured any) with scx_slo's formula, so SLO-aware policies see real inputs.
 *
 * Records wake the agent as ops.enqueue()'s do (slo_ring_wake.bpf.h): with flags 0 the
 * ring wakes it when it had caught up (bpf_ringbuf_submit()'s adaptive wake-up); with
 * shadow_ctl.wake_batch > 1, once a batch waits or its oldest record is overdue, which
 * every context switch checks (where scx_slo's kick timer does, every millisecond).
 *
 * Each task's last SHADOW_SLOTS records are remembered in shadow_tasks (pid -> for
 * each slot seq % SHADOW_SLOTS, the sequence number and submission time), since the
 * kernel's own scheduler may run and re-queue a task before the agent answered (under
 * scx_slo it would have waited in the pending queue): a decision is timed when its
 * record's slot still holds it; it is counted stale when SHADOW_SLOTS newer records of
 * the task replaced it, or its pid is unknown. The map is an LRU hash, preallocated:
 * these programs run with run-queue locks held, where allocating could deadlock (for
 * the same reason rqlat.bpf.c avoids task storage).
 *
 * Decision latency histogram (struct slo_shadow_stats.lat_hist, per CPU): quarter
 * octaves of microseconds, fine enough to read a p99 within 25%: buckets 0..3 hold 0,
 * 1, 2, 3 us; for us >= 4 with o = floor(log2(us)), bucket 4*(o-1) + ((us >> (o-2)) & 3);
 * the last bucket also counts everything longer. agent/kernel/kernel-abi.ts's
 * shadowBucketBounds() gives each bucket's range.
 *
 * Needs: BTF (tp_btf, CO-RE), bpf_user_ringbuf_drain (6.1+), CAP_BPF + CAP_PERFMON.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "scx_slo.h"
#include "slo_log2.bpf.h"
#include "slo_task_state.bpf.h"
#include "slo_deadline.bpf.h"
#include "slo_ring_wake.bpf.h"

extern u64 bpf_dynptr_size(const struct bpf_dynptr *p) __ksym;

char _license[] SEC("license") = "GPL";

#define TASK_RUNNING	0		/* include/linux/sched.h */
#define PF_KTHREAD_FLAG	0x00200000	/* include/linux/sched.h PF_KTHREAD */
#define MAX_CG_DEPTH	32		/* ancestors searched for an SLO */
#define NICE_0_LOAD	(1UL << 20)	/* se.load.weight of a nice-0 task on 64-bit */

/* Runnable tasks handed to the agent (struct slo_task_msg), as scx_slo's tasks_rb. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} tasks_rb SEC(".maps");

/* Decisions from the agent (struct slo_decision_msg), as scx_slo's decisions_urb. */
struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 1 << 20);
} decisions_urb SEC(".maps");

/* The agent's settings (struct slo_shadow_ctl). One entry. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct slo_shadow_ctl);
} shadow_ctl SEC(".maps");

/* cgroup id -> SLO (struct slo_cfg), written by the agent, as scx_slo's slo_cfg. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);
	__type(value, struct slo_cfg);
} shadow_slo_cfg SEC(".maps");

#define SHADOW_SLOTS	4	/* records of one task timed at once (a power of two) */

/* A task's recent records: slot seq % SHADOW_SLOTS holds record seq (sent_ns 0: decided). */
struct shadow_task {
	u64 last_seq;
	struct {
		u64 seq;
		u64 sent_ns;
	} slot[SHADOW_SLOTS];
};

/* pid (thread id) -> its recent records (struct shadow_task); preallocated LRU. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32768);
	__type(key, u32);
	__type(value, struct shadow_task);
} shadow_tasks SEC(".maps");

/* Per-CPU counters and the decision-latency histogram (struct slo_shadow_stats). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct slo_shadow_stats);
} shadow_stats SEC(".maps");

static const u32 zero;

/* The histogram bucket of a latency of @ns (see the top comment). */
static __always_inline u64 lat_bucket(u64 ns)
{
	u64 us = ns / 1000, b;
	u32 o;

	if (us < 4)
		return us;
	o = log2_u64(us);
	b = 4 * (o - 1) + ((us >> (o - 2)) & 3);
	return b < SLO_SHADOW_BUCKETS ? b : SLO_SHADOW_BUCKETS - 1;
}

/* The SLO of @p's cgroup or its nearest configured ancestor, into @budget / @importance. */
static void task_slo(struct task_struct *p, struct slo_shadow_ctl *ctl, u64 *slo_cgid,
		     u64 *budget, u32 *importance)
{
	struct cgroup *cgrp, *anc;
	struct slo_cfg *cfg;
	int level, i;
	u64 id;

	*slo_cgid = 0;
	*budget = ctl->default_budget_ns;
	*importance = ctl->default_importance;
	if (!ctl->nr_slos)
		return;
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
		cfg = bpf_map_lookup_elem(&shadow_slo_cfg, &id);
		if (cfg) {
			*slo_cgid = id;
			*budget = cfg->budget_ns;
			*importance = cfg->importance;
			return;
		}
	}
}

/* Sends @p to the agent as ops.enqueue() would, unless the kernel would run it itself. */
static void send_task(struct task_struct *p, u32 flags, s32 cpu)
{
	struct slo_shadow_ctl *ctl = bpf_map_lookup_elem(&shadow_ctl, &zero);
	struct slo_shadow_stats *st;
	struct shadow_task *rec, fresh = {};
	struct slo_task_msg *msg;
	u32 pid = p->pid, importance, slot;
	u64 now, slo_cgid, budget, seq, avail, wake;

	if (!ctl || !ctl->enabled || !pid || (p->flags & PF_KTHREAD_FLAG) || p->tgid == ctl->agent_tgid)
		return;
	st = bpf_map_lookup_elem(&shadow_stats, &zero);
	if (!st)
		return;
	now = bpf_ktime_get_ns();
	rec = bpf_map_lookup_elem(&shadow_tasks, &pid);
	seq = rec ? rec->last_seq + 1 : 1;
	slot = seq & (SHADOW_SLOTS - 1);

	avail = ring_wake_unread(&tasks_rb, ctl->wake_batch);
	msg = bpf_ringbuf_reserve(&tasks_rb, sizeof(*msg), 0);
	if (!msg) {
		st->ring_full++;
		return;
	}
	task_slo(p, ctl, &slo_cgid, &budget, &importance);
	msg->kind = SLO_MSG_TASK;
	msg->pid = pid;
	msg->tgid = p->tgid;
	msg->cgroup_id = p->cgroups->dfl_cgrp->kn->id;
	msg->slo_cgroup_id = slo_cgid;
	msg->enq_ns = now;
	msg->runtime_ns = p->se.sum_exec_runtime;
	msg->seq = seq;
	msg->deadline_ns = slo_deadline(now, budget, importance);
	msg->prev_cpu = cpu;
	msg->weight = (u32)(p->se.load.weight * 100 / NICE_0_LOAD);
	msg->flags = flags | (p->nr_cpus_allowed == 1 ? SLO_TASK_PINNED : 0);
	/* Remember the record before the agent can see it: a fast decision must match. */
	if (rec) {
		rec->last_seq = seq;
		rec->slot[slot].seq = seq;
		rec->slot[slot].sent_ns = now;
	} else {
		fresh.last_seq = seq;
		fresh.slot[slot].seq = seq;
		fresh.slot[slot].sent_ns = now;
		bpf_map_update_elem(&shadow_tasks, &pid, &fresh, BPF_ANY);
	}
	wake = ring_wake_flags(avail, ctl->wake_batch, ctl->wake_after_ns, now);
	bpf_ringbuf_submit(msg, wake);
	st->sent++;
	if (wake == BPF_RB_FORCE_WAKEUP)
		st->wakeups++;
}

/* A batch that stopped growing: wake the agent once its oldest record is overdue. */
static void wake_if_overdue(void)
{
	struct slo_shadow_ctl *ctl = bpf_map_lookup_elem(&shadow_ctl, &zero);
	struct slo_shadow_stats *st;

	if (!ctl || !ctl->enabled)
		return;
	if (!ring_wake_if_overdue(&tasks_rb, ctl->wake_batch, ctl->wake_after_ns, bpf_ktime_get_ns()))
		return;
	st = bpf_map_lookup_elem(&shadow_stats, &zero);
	if (st)
		st->wakeups++;
}

/* Context of one decisions_urb drain (on the stack, as the verifier requires). */
struct drain_ctx {
	u64 now;
	u64 decided;
	u64 stale;
	u64 bad;
	u64 max_ns;
	u64 sum_ns;
	struct slo_shadow_stats *st;
};

/* Times one decision against its record, if the record is its task's latest. */
static long time_decision(struct bpf_dynptr *dynptr, void *data)
{
	struct drain_ctx *dc = data;
	struct slo_decision_msg d;
	struct shadow_task *rec;
	u64 lat, b, sent;
	u32 slot;

	if (bpf_dynptr_size(dynptr) != sizeof(d) || bpf_dynptr_read(&d, sizeof(d), dynptr, 0, 0)) {
		dc->bad++;
		return 0;
	}
	rec = bpf_map_lookup_elem(&shadow_tasks, &d.pid);
	slot = d.seq & (SHADOW_SLOTS - 1);
	if (!rec || rec->slot[slot].seq != d.seq || !rec->slot[slot].sent_ns) {
		dc->stale++;
		return 0;
	}
	sent = rec->slot[slot].sent_ns;
	lat = dc->now > sent ? dc->now - sent : 0;
	rec->slot[slot].sent_ns = 0;
	dc->decided++;
	dc->sum_ns += lat;
	if (lat > dc->max_ns)
		dc->max_ns = lat;
	b = lat_bucket(lat);
	barrier_var(b);	/* check the register that indexes, not a copy */
	if (b < SLO_SHADOW_BUCKETS)
		dc->st->lat_hist[b]++;
	return 0;
}

/* Drains the agent's decisions as ops.dispatch() does. */
static void drain_decisions(void)
{
	struct slo_shadow_stats *st = bpf_map_lookup_elem(&shadow_stats, &zero);
	struct drain_ctx dc = {};
	long n;

	if (!st)
		return;
	dc.now = bpf_ktime_get_ns();
	dc.st = st;
	n = bpf_user_ringbuf_drain(&decisions_urb, time_decision, &dc, 0);
	if (n <= 0)
		return;
	st->drains++;
	st->decided += dc.decided;
	st->stale += dc.stale;
	st->bad += dc.bad;
	st->sum_ns += dc.sum_ns;
	if (dc.max_ns > st->max_ns)
		st->max_ns = dc.max_ns;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(shadow_wakeup, struct task_struct *p)
{
	send_task(p, SLO_TASK_WAKEUP, p->thread_info.cpu);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(shadow_wakeup_new, struct task_struct *p)
{
	send_task(p, SLO_TASK_WAKEUP, p->thread_info.cpu);
	return 0;
}

/*
 * prev stays runnable when it was preempted or is still TASK_RUNNING (its slice ended,
 * or it yielded): the re-queue scx_slo's ops.enqueue() would hand to the agent. Every
 * switch is also a CPU picking its next task, where ops.dispatch() drains decisions.
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(shadow_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	if (preempt || task_state(prev) == TASK_RUNNING)
		send_task(prev, SLO_TASK_SLICE_EXPIRED, bpf_get_smp_processor_id());
	wake_if_overdue();
	drain_decisions();
	return 0;
}
