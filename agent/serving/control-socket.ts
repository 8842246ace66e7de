// The running agent's control socket: a Unix socket speaking one JSON request per line
// and one JSON reply per line. `scx-slo status` and `scx-slo policy set` use it.
//
// Whatever is at the path is left alone unless it is a stale socket: a regular file (or
// anything not a socket) is refused, and so is a socket another agent answers on (a
// second agent must not silently take over the first one's control). Only a socket file
// nobody answers on, left by an agent that died, is removed. The socket is created 0600
// (only root, whom the agent runs as, may change its policy) in a 0700 directory when it
// creates the directory.
import { createConnection, createServer, type Server } from 'node:net';
import { chmodSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

export const DEFAULT_CONTROL_SOCKET = '/run/scx-slo/agent.sock';

export type ControlRequest = { cmd: 'status' } | { cmd: 'policy-set'; spec: string };
export type ControlReply = { ok: true; result: unknown } | { ok: false; error: string };

export type ControlHandler = (req: ControlRequest) => Promise<unknown>;

function parseRequest(line: string): ControlRequest {
  const raw = JSON.parse(line) as Record<string, unknown>;
  if (raw['cmd'] === 'status') return { cmd: 'status' };
  if (raw['cmd'] === 'policy-set' && typeof raw['spec'] === 'string' && raw['spec'] !== '') return { cmd: 'policy-set', spec: raw['spec'] };
  throw new Error(`unknown request ${JSON.stringify(line.slice(0, 200))}`);
}

/** Whether something accepts connections on the Unix socket at `path`. */
function answers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = createConnection(path);
    const timer = setTimeout(() => {
      conn.destroy();
      resolve(true); // accepted into the backlog but silent: somebody owns it
    }, timeoutMs);
    conn.on('connect', () => {
      clearTimeout(timer);
      conn.destroy();
      resolve(true);
    });
    conn.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** Removes a stale socket at `path`; throws when something else is there. */
async function clearStaleSocket(path: string): Promise<void> {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`control socket ${path}: cannot check it: ${(err as Error).message}`);
  }
  if (!st.isSocket()) throw new Error(`control socket ${path}: exists and is not a socket; refusing to delete it (choose another --control-socket)`);
  if (await answers(path)) throw new Error(`control socket ${path}: another scx-slo agent is listening on it; refusing to take it over`);
  rmSync(path, { force: true });
}

/** Serves `handler` on `path` (replacing only a stale socket file), mode 0600. */
export async function serveControlSocket(path: string, handler: ControlHandler): Promise<Server> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  await clearStaleSocket(path);
  const server = createServer((conn) => {
    let buffered = '';
    conn.setEncoding('utf8');
    conn.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > 65536) conn.destroy();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        void (async () => {
          let reply: ControlReply;
          try {
            reply = { ok: true, result: await handler(parseRequest(line)) };
          } catch (err) {
            reply = { ok: false, error: (err as Error).message };
          }
          conn.write(`${JSON.stringify(reply)}\n`);
        })();
      }
    });
    conn.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The socket file is created by bind() inside listen(): with umask 0177 it is born
    // 0600, with no moment in which others could connect.
    const umask = process.umask(0o177);
    try {
      server.listen(path, () => resolve());
    } finally {
      process.umask(umask);
    }
  });
  chmodSync(path, 0o600);
  return server;
}

/** Sends one request to the agent at `path`; rejects when no agent listens there. */
export function controlRequest(path: string, req: ControlRequest, timeoutMs = 5000): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const conn = createConnection(path);
    let buffered = '';
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`no reply from the agent at ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${JSON.stringify(req)}\n`));
    conn.on('data', (chunk: string) => {
      buffered += chunk;
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      conn.end();
      resolve(JSON.parse(buffered.slice(0, nl)) as ControlReply);
    });
    conn.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`no agent listening at ${path}: ${err.message}`));
    });
  });
}
