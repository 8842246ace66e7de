// The control socket never deletes what is not its own: a file at its path is refused and
// kept, a live agent's socket is refused and keeps answering, only a stale socket (nobody
// answers) is replaced; and the socket is created 0600.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlRequest, serveControlSocket } from '../control-socket.js';

function dir(t: import('ava').ExecutionContext): string {
  const d = mkdtempSync(join(tmpdir(), 'scx-slo-ctl-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const status = async () => ({ agent: 'first' });

test('a regular file at the path is refused and left as it was', async (t) => {
  const path = join(dir(t), 'agent.sock');
  writeFileSync(path, 'precious');
  await t.throwsAsync(serveControlSocket(path, status), { message: /agent\.sock: exists and is not a socket; refusing to delete it/ });
  t.is(readFileSync(path, 'utf8'), 'precious');
});

test('a socket another agent answers on is refused; the first agent keeps it', async (t) => {
  const path = join(dir(t), 'agent.sock');
  const first = await serveControlSocket(path, status);
  t.teardown(() => first.close());
  await t.throwsAsync(serveControlSocket(path, async () => ({ agent: 'second' })), { message: /another scx-slo agent is listening on it/ });
  t.deepEqual(await controlRequest(path, { cmd: 'status' }), { ok: true, result: { agent: 'first' } });
});

test('a stale socket (its agent died) is replaced, and the new socket is 0600', async (t) => {
  const path = join(dir(t), 'agent.sock');
  // An agent killed with SIGKILL leaves its socket file behind.
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => ` +
    `process.kill(process.pid, 'SIGKILL'))`]);
  await new Promise((resolve) => child.once('exit', resolve));
  t.true(existsSync(path) && statSync(path).isSocket(), 'a stale socket file is there');
  const server = await serveControlSocket(path, status);
  t.teardown(() => server.close());
  t.is(statSync(path).mode & 0o777, 0o600);
  t.deepEqual(await controlRequest(path, { cmd: 'status' }), { ok: true, result: { agent: 'first' } });
});
