/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slo_ring_wake.bpf.h - when a task record in tasks_rb wakes the agent: batched
 * wake-ups. Shared by the scheduler (scx_slo.bpf.c) and the shadow programs
 * (shadow.bpf.c), which send the same records.
 *
 * bpf_ringbuf_submit() with flags 0 wakes the ring's reader whenever a record lands in a
 * ring the reader had caught up with: the agent is woken for nearly every record when
 * they come one at a time, and a wake-up (the reader's thread switched in, its event
 * loop turned once) costs the agent far more than the decision it then makes. With
 * ctl.wake_batch > 1 records are submitted with BPF_RB_NO_WAKEUP, and the reader is woken
 * once (BPF_RB_FORCE_WAKEUP)
 *	- when wake_batch records wait unread (counted in task records' sizes), or
 *	- when the oldest unread one has waited wake_after_ns (seen at the next submission,
 *	  or by ring_wake_if_overdue() from a periodic callback when none comes),
 * and again every wake_after_ns while records stay unread. The agent reads everything
 * that waits on each wake-up and waits edge-triggered (EPOLLET), so records that came
 * without a wake-up do not wake it. wake_batch 0 or 1: flags 0, as before.
 *
 * The two globals are updated from every CPU without locking: a lost update only moves a
 * wake-up earlier or to the next check, never loses records (the agent's own idle
 * timeout reads the ring in any case).
 */
#ifndef __SLO_RING_WAKE_BPF_H
#define __SLO_RING_WAKE_BPF_H

/* Bytes one task record takes in a ring buffer: the 8-byte record header and the record. */
#define SLO_TASK_RECORD_SPAN	(8 + sizeof(struct slo_task_msg))

/* bpf_ktime of the oldest record unread without a wake-up, or of the last forced wake-up. */
u64 wake_pending_since_ns;

/* The reader was woken for what waits now (a batch, or an overdue record). */
bool wake_sent;

/*
 * The unread bytes of @rb, for ring_wake_flags(): read before the record is reserved.
 * Without batching nothing reads them, so the enqueue path does not pay for the query.
 */
static __always_inline u64 ring_wake_unread(void *rb, u32 wake_batch)
{
	return wake_batch > 1 ? bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) : 0;
}

/*
 * The bpf_ringbuf_submit() flags of a task record, @avail being the unread bytes of the
 * ring before it was reserved (ring_wake_unread()).
 */
static __always_inline u64 ring_wake_flags(u64 avail, u32 wake_batch, u64 wake_after_ns, u64 now)
{
	if (wake_batch <= 1)
		return 0;
	if (!avail) {
		/* The agent had read everything: this record is the oldest unread one. */
		wake_pending_since_ns = now;
		wake_sent = false;
	}
	if ((!wake_sent && avail / SLO_TASK_RECORD_SPAN + 1 >= wake_batch) ||
	    now - wake_pending_since_ns >= wake_after_ns) {
		wake_pending_since_ns = now;
		wake_sent = true;
		return BPF_RB_FORCE_WAKEUP;
	}
	return BPF_RB_NO_WAKEUP;
}

/*
 * Wakes the reader of @rb if records have waited unread for @wake_after_ns (a batch that
 * stopped growing, or a reader that did not come): reserves and discards an empty record
 * with BPF_RB_FORCE_WAKEUP, which wakes the reader without giving it anything to read.
 * True when it woke the reader.
 */
static __always_inline bool ring_wake_if_overdue(void *rb, u32 wake_batch, u64 wake_after_ns, u64 now)
{
	u64 *nudge;

	if (wake_batch <= 1 || now - wake_pending_since_ns < wake_after_ns)
		return false;
	if (!bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA))
		return false;
	nudge = bpf_ringbuf_reserve(rb, sizeof(*nudge), 0);
	if (!nudge)
		return false;	/* full: the reader is far behind, and was woken long ago */
	wake_pending_since_ns = now;
	wake_sent = true;
	bpf_ringbuf_discard(nudge, BPF_RB_FORCE_WAKEUP);
	return true;
}

#endif /* __SLO_RING_WAKE_BPF_H */
