// Finds Prometheus's promtool for the deploy/ tests: on PATH, else the copy
// .ci/setup-host.sh extracts from Debian's `prometheus` package into .cache/tools/bin
// (only the binary: no Prometheus server is installed or started). null when neither.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './k8s-check.js';

export function findPromtool(): string | null {
  const onPath = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim()) return onPath.stdout.trim();
  const cached = join(REPO_ROOT, '.cache', 'tools', 'bin', 'promtool');
  return existsSync(cached) ? cached : null;
}

/** Runs promtool with `args` (stdin optional); returns its exit status and combined output. */
export function promtool(bin: string, args: string[], opts: { cwd?: string; input?: string } = {}): { status: number | null; output: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8', cwd: opts.cwd, input: opts.input, timeout: 60_000 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
