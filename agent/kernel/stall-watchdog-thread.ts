// The worker thread of StallWatchdog (stall-watchdog.ts): polls the main thread's tick
// and, while it is stale, sets SIGTERM and SIGINT to their default action with
// sigaction(2) (libc through koffi), restoring the saved actions when ticks resume or
// when told to stop; past a stop deadline it ends the process with _exit(1).
import { parentPort, workerData } from 'node:worker_threads';
import koffi from 'koffi';
import { WATCHDOG_SLOTS } from './stall-watchdog.js';

const { shared, pollMs, stallMs } = workerData as { shared: Int32Array; pollMs: number; stallMs: number };
const libc = koffi.load('libc.so.6');
const sigaction = libc.func('int sigaction(int signum, const uint8_t *act, _Out_ uint8_t *oldact)');
const exitNow = libc.func('void _exit(int status)');
const SIGACTION_SIZE = 152; // glibc x86-64 struct sigaction: handler, 128-byte mask, flags, restorer
const SIGNALS = [15, 2]; // SIGTERM, SIGINT
const saved = new Map<number, Uint8Array>();

function arm(): void {
  const dfl = new Uint8Array(SIGACTION_SIZE); // sa_handler = SIG_DFL (0), empty mask, no flags
  for (const sig of SIGNALS) {
    const old = new Uint8Array(SIGACTION_SIZE);
    if (sigaction(sig, dfl, old) === 0) saved.set(sig, old);
  }
  Atomics.store(shared, WATCHDOG_SLOTS.armed, 1);
  Atomics.add(shared, WATCHDOG_SLOTS.stalls, 1);
}

function disarm(): void {
  for (const [sig, old] of saved) sigaction(sig, old, new Uint8Array(SIGACTION_SIZE));
  saved.clear();
  Atomics.store(shared, WATCHDOG_SLOTS.armed, 0);
}

parentPort?.postMessage('watching');
for (;;) {
  Atomics.wait(shared, WATCHDOG_SLOTS.stop, 0, pollMs);
  if (Atomics.load(shared, WATCHDOG_SLOTS.stop) === 1) break;
  const now = Date.now() & 0x7fffffff;
  const exitAt = Atomics.load(shared, WATCHDOG_SLOTS.exitAt);
  if (exitAt !== 0 && ((now - exitAt) & 0x7fffffff) < 0x40000000) exitNow(1); // past the stop deadline
  const age = (now - Atomics.load(shared, WATCHDOG_SLOTS.tick)) & 0x7fffffff;
  const armed = Atomics.load(shared, WATCHDOG_SLOTS.armed) === 1;
  if (!armed && age > stallMs) arm();
  else if (armed && age <= stallMs) disarm();
}
if (Atomics.load(shared, WATCHDOG_SLOTS.armed) === 1) disarm();
