// A policy module loaded by file path through the real `scx-slo sim` entry point: the
// worked example of policy/README.md (which imports the API as `scx-slo/policy`) and a
// plain JavaScript file with no imports at all.
import test from 'ava';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SimResultJson } from '../../sim/result-json.js';
import { tempDir } from '../../sim/test/helpers.js';
import { POLICY_API_VERSION } from '../../policy/api.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(REPO, 'dist', 'cli', 'main.js');
const run = promisify(execFile);

async function simJson(policy: string): Promise<SimResultJson> {
  const { stdout } = await run(process.execPath, [MAIN, 'sim', '--scenario', 'steady', '--cpus', '2', '--duration-ms', '200', '--json', '--no-progress',
    '--policy', policy], { cwd: REPO, maxBuffer: 16 << 20 });
  return JSON.parse(stdout) as SimResultJson;
}

test('scx-slo sim --policy ./dist/policy/examples/shortest-burst.js replays the example policy', async (t) => {
  const doc = await simJson('./dist/policy/examples/shortest-burst.js');
  const result = doc.policies['shortest-burst'];
  t.truthy(result);
  t.true(result!.totals.events > 0);
  t.true(result!.groups['web']!.cpu_share > 0);
});

test('a plain .js policy file with no imports loads by absolute path', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'my-policy.js');
  await writeFile(file, `// A FIFO policy in plain JavaScript.
export default {
  apiVersion: ${POLICY_API_VERSION},
  name: 'my-fifo',
  description: 'first come, first served',
  createPolicy() {
    const waiting = [];
    return {
      enqueue(task) { waiting.push(task); },
      dispatch(nowNs, max) { return waiting.splice(0, max).map((t) => ({ pid: t.pid, seq: t.seq, vtime: t.enqNs, sliceNs: 0 })); },
      get queued() { return waiting.length; },
    };
  },
};
`);
  const doc = await simJson(file);
  t.true(doc.policies['my-fifo']!.totals.events > 0);
});
