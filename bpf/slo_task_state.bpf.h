/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slo_task_state.bpf.h - a task's scheduling state (TASK_RUNNING, TASK_INTERRUPTIBLE,
 * ...) on any kernel, through CO-RE: rqlat.bpf.c and shadow.bpf.c both tell a
 * preempted-but-runnable task from one going to sleep at sched_switch.
 */
#ifndef __SLO_TASK_STATE_BPF_H
#define __SLO_TASK_STATE_BPF_H

/* task_struct before 5.14 called __state "state" (a long). */
struct task_struct___pre_5_14 {
	long state;
} __attribute__((preserve_access_index));

/* The task's scheduling state (TASK_RUNNING, TASK_INTERRUPTIBLE, ...). */
static __always_inline u32 task_state(struct task_struct *p)
{
	if (bpf_core_field_exists(p->__state))
		return p->__state;
	return BPF_CORE_READ((struct task_struct___pre_5_14 *)p, state);
}

#endif /* __SLO_TASK_STATE_BPF_H */
