// What this build of scx-slo is: the package version (package.json), the git commit it
// was built from (dist/build-info.json, written by `make build`; "unknown" when built
// outside a git checkout) and the running kernel. `scx-slo --version` prints it and
// /metrics exports it as scx_slo_build_info{version,commit,kernel} 1.
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  version: string;
  commit: string;
  kernel: string;
}

/** dist/agent/metrics -> dist (build-info.json) and the package root (package.json). */
const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

let cached: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  if (cached) return cached;
  const pkg = readJson(join(DIST, '..', 'package.json'));
  const built = readJson(join(DIST, 'build-info.json'));
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  cached = {
    version: str(pkg?.['version']) ?? 'unknown',
    commit: str(built?.['commit']) ?? 'unknown',
    kernel: release(),
  };
  return cached;
}

/** One line for `scx-slo --version`. */
export function versionLine(info: BuildInfo = buildInfo()): string {
  return `scx-slo ${info.version} (commit ${info.commit}, kernel ${info.kernel}, node ${process.version})`;
}
