// Test helper: where the compiled BPF objects are, and whether this process may load
// BPF programs (root or CAP_BPF+CAP_PERFMON), with the reason when it may not.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const BPF_BUILD = join(REPO_ROOT, 'bpf', 'build');

export function bpfObjectPath(name: string): string {
  const path = join(BPF_BUILD, `${name}.bpf.o`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`make build-bpf\` first`);
  return path;
}

/** Effective capability bits of this process. */
export function effectiveCaps(): bigint {
  const status = readFileSync('/proc/self/status', 'utf8');
  const line = status.split('\n').find((l) => l.startsWith('CapEff:'));
  return line ? BigInt(`0x${line.split(/\s+/)[1]}`) : 0n;
}
