// The scheduler events the kernel-trace importers extract, whatever the text format
// they came in (ftrace, trace-cmd report, perf sched script), and the parsers for the
// event payloads those formats share (key=value and trace-cmd's compact form).

export interface SwitchEvent {
  kind: 'switch';
  ts: number;
  cpu: number;
  line: number;
  prevComm: string;
  prevPid: number;
  /** prev_state as printed: R, R+, S, D, X, Z, I, "D|K"... */
  prevState: string;
  nextComm: string;
  nextPid: number;
}

export interface WakeupEvent {
  kind: 'wakeup';
  ts: number;
  cpu: number;
  line: number;
  comm: string;
  pid: number;
  /** sched_wakeup_new: a new task's first wake-up. */
  isNew: boolean;
}

export interface ExitEvent {
  kind: 'exit';
  ts: number;
  cpu: number;
  line: number;
  comm: string;
  pid: number;
}

export type SchedEvent = SwitchEvent | WakeupEvent | ExitEvent;

/** Parses "12345.678901" (seconds, any number of decimals) into integer ns, exactly. */
export function parseSecondsToNs(text: string): number | null {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const frac = (m[2] ?? '').slice(0, 9).padEnd(9, '0');
  const ns = Number(m[1]) * 1e9 + Number(frac);
  return Number.isSafeInteger(ns) ? ns : null;
}

const SWITCH_KV = /^prev_comm=(.*) prev_pid=(\d+) prev_prio=(-?\d+) prev_state=(\S+) ==> next_comm=(.*) next_pid=(\d+) next_prio=(-?\d+)\s*$/;
const SWITCH_COMPACT = /^(.*):(\d+) \[(-?\d+)\] (\S+) ==> (.*):(\d+) \[(-?\d+)\]\s*$/;
const WAKEUP_KV = /^comm=(.*) pid=(\d+) prio=(-?\d+)(?: success=\d+)? target_cpu=(\d+)\s*$/;
const WAKEUP_COMPACT = /^(.*):(\d+) \[(-?\d+)\](?: success=\d+)? CPU:(\d+)\s*$/;
const EXIT_KV = /^comm=(.*) pid=(\d+) prio=(-?\d+)(?: group_dead=\S+)?\s*$/;

export interface SwitchFields {
  prevComm: string;
  prevPid: number;
  prevState: string;
  nextComm: string;
  nextPid: number;
}

export function parseSwitchPayload(payload: string): SwitchFields | null {
  const m = SWITCH_KV.exec(payload) ?? SWITCH_COMPACT.exec(payload);
  if (!m) return null;
  return { prevComm: m[1]!, prevPid: Number(m[2]), prevState: m[4]!, nextComm: m[5]!, nextPid: Number(m[6]) };
}

export function parseWakeupPayload(payload: string): { comm: string; pid: number } | null {
  const m = WAKEUP_KV.exec(payload) ?? WAKEUP_COMPACT.exec(payload);
  if (!m) return null;
  return { comm: m[1]!, pid: Number(m[2]) };
}

export function parseExitPayload(payload: string): { comm: string; pid: number } | null {
  const m = EXIT_KV.exec(payload);
  if (!m) return null;
  return { comm: m[1]!, pid: Number(m[2]) };
}
