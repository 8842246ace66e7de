// StallWatchdog in a child process: while its JavaScript thread is stuck in an endless
// loop, SIGTERM ends the process (default action) where Node's handler could never run;
// after a stall that ended, and without one, SIGTERM reaches the process's own handler.
import test from 'ava';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('../stall-watchdog.js', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A child with the watchdog and a SIGTERM handler that prints and exits 0; `body` runs after "ready". */
function child(body: string): { done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> ; ready: Promise<void>; kill: () => void } {
  const src = `
    const { StallWatchdog } = await import(${JSON.stringify(MODULE)});
    const w = new StallWatchdog({ tickMs: 50, stallMs: 200 });
    process.once('SIGTERM', () => { console.log('handler ran, stalls ' + w.stalls); process.exit(0); });
    setInterval(() => {}, 1000);
    await w.online;
    await new Promise((r) => setTimeout(r, 100)); // its first poll
    console.log('ready');
    ${body}
  `;
  const p = spawn(process.execPath, ['--input-type=module', '-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  p.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready')) readyResolve();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((r) =>
    p.on('exit', (code, signal) => r({ code, signal, out })));
  // A child left stuck by a failed check must not outlive the test run.
  process.once('exit', () => p.kill('SIGKILL'));
  return { done, ready, kill: () => p.kill('SIGTERM') };
}

test.serial('a stuck JavaScript thread: SIGTERM terminates the process by its default action', async (t) => {
  const c = child('setTimeout(() => { for (;;) {} }, 100);');
  await c.ready;
  await sleep(1000); // stuck for ~900 ms: the watchdog has armed
  c.kill();
  const r = await c.done;
  t.is(r.signal, 'SIGTERM', `killed by the signal (output: ${r.out})`);
  t.false(r.out.includes('handler ran'));
});

test.serial('after a stall that ended, SIGTERM reaches the process handler again', async (t) => {
  const c = child('setTimeout(() => { const end = Date.now() + 600; while (Date.now() < end) {} console.log("unstuck"); }, 100);');
  await c.ready;
  await sleep(1500);
  c.kill();
  const r = await c.done;
  t.is(r.code, 0, r.out);
  t.regex(r.out, /unstuck[\s\S]*handler ran, stalls 1/);
});

test.serial('without a stall the watchdog changes nothing: SIGTERM runs the handler', async (t) => {
  const c = child('');
  await c.ready;
  await sleep(500);
  c.kill();
  const r = await c.done;
  t.is(r.code, 0);
  t.regex(r.out, /handler ran, stalls 0/);
});

test.serial('past the stop deadline the watchdog thread ends a process whose thread is busy', async (t) => {
  const c = child('setTimeout(() => { w.exitDeadline(300); console.log("stopping"); for (;;) {} }, 100);');
  await c.ready;
  const r = await c.done;
  t.is(r.code, 1, r.out);
  t.regex(r.out, /stopping/);
  t.false(r.out.includes('handler ran'));
});

test('stop() settles even though the watchdog thread does not hold the process open, so the exit code set after it stands', async (t) => {
  const src = `
    const { StallWatchdog } = await import(${JSON.stringify(MODULE)});
    const w = new StallWatchdog({ tickMs: 50, stallMs: 200 });
    await new Promise((r) => setTimeout(r, 300)); // the thread is up (online needs a live loop)
    w.exitDeadline(950);
    await w.stop();
    console.log('stopped');
    process.exitCode = 7;
  `;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  t.is(out.trim(), 'stopped');
  t.is(code, 7, 'the exit code the caller set after stop()');
});
