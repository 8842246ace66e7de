// The running agent's control socket: a Unix socket speaking one JSON request per line
// and one JSON reply per line. `scx-slo status` and `scx-slo policy set` use it.
import { createConnection, createServer, type Server } from 'node:net';
import { mkdirSync, rmSync } from 'node:fs';
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

/** Serves `handler` on `path` (replacing a stale socket file). */
export async function serveControlSocket(path: string, handler: ControlHandler): Promise<Server> {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
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
    server.listen(path, () => resolve());
  });
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
