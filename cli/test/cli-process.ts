// Test helper for the CLI tests that run `scx-slo` as a real process: where the built
// command is, a free loopback port for its HTTP server, waiting for /readyz, and a sleep.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../../agent/bpf/test/bpf-fixture.js';

export const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls the agent's /readyz on 127.0.0.1:`port` (up to 20 s); the last status, 0 if none answered. */
export async function waitReady(port: number): Promise<number> {
  let ready = 0;
  for (let i = 0; i < 100 && ready !== 200; i++) {
    await sleep(200);
    ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
  }
  return ready;
}
