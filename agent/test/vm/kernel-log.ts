// The guest kernel's log (dmesg) as the guest suite reads it after each scenario:
// sched_ext errors and stalls, and the exit report the kernel prints when a BPF
// scheduler is disabled ("sched_ext: BPF scheduler "slo" disabled (REASON)").
import { execFileSync } from 'node:child_process';

/** What a clean scenario leaves: the reason the kernel prints for a detach by the agent. */
export const UNREGISTERED = 'unregistered from user space';

/** The kernel log now, one line per record. */
export function kernelLog(): string[] {
  return execFileSync('dmesg', { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').filter((l) => l.length > 0);
}

/** A position in the kernel log; kernelLogSince(mark) gives what came after it. */
export function kernelLogMark(): number {
  return kernelLog().length;
}

export function kernelLogSince(mark: number): string[] {
  return kernelLog().slice(mark);
}

/** Lines reporting a sched_ext error or stall (the watchdog's "runnable task stall" included). */
export function schedExtProblems(lines: readonly string[]): string[] {
  return lines.filter((l) => /sched_ext:.*\b(error|stall|stalled)\b/i.test(l) || /runnable task stall/i.test(l));
}

/** The reasons of every "BPF scheduler "NAME" disabled (REASON)" line for scheduler `ops`. */
export function schedExtExitReports(lines: readonly string[], ops: string): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const m = /sched_ext: BPF scheduler "([^"]*)" disabled \((.*)\)\s*$/.exec(l);
    if (m && m[1] === ops) out.push(m[2]!);
  }
  return out;
}

/**
 * Verdict on one scenario's kernel log: no sched_ext error or stall, and exactly one
 * exit report for `ops`, saying it was unregistered from user space. Empty when clean.
 */
export function scenarioLogProblems(lines: readonly string[], ops: string): string[] {
  const problems = schedExtProblems(lines).map((l) => `kernel: ${l}`);
  const reports = schedExtExitReports(lines, ops);
  if (reports.length !== 1) problems.push(`expected one exit report for "${ops}", found ${reports.length}${reports.length ? `: ${reports.join('; ')}` : ''}`);
  else if (reports[0] !== UNREGISTERED) problems.push(`exit report "${reports[0]}", expected "${UNREGISTERED}"`);
  return problems;
}
