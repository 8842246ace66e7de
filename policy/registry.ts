// Finds a policy module by built-in name ("edf", "fair", "fifo") or by file path, checks
// that it implements the policy API version this build speaks, and returns it.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { POLICY_API_VERSION, type PolicyModule } from './api.js';
import edf from './policies/edf.js';
import fair from './policies/fair.js';
import fifo from './policies/fifo.js';

export const BUILTIN_POLICIES: ReadonlyMap<string, PolicyModule> = new Map([
  [edf.name, edf],
  [fair.name, fair],
  [fifo.name, fifo],
]);

export const DEFAULT_POLICY = edf.name;

/** True when `spec` names a file rather than a built-in policy. */
export function isPolicyPath(spec: string): boolean {
  return spec.includes('/') || spec.endsWith('.js') || spec.endsWith('.mjs');
}

function validate(candidate: unknown, where: string): PolicyModule {
  const mod = (candidate ?? {}) as Record<string, unknown>;
  const inner = (typeof mod['default'] === 'object' && mod['default'] !== null ? mod['default'] : mod) as Record<string, unknown>;
  if (inner['apiVersion'] !== POLICY_API_VERSION) {
    throw new Error(`policy ${where}: apiVersion is ${JSON.stringify(inner['apiVersion'])}, this scx-slo speaks ${POLICY_API_VERSION}`);
  }
  for (const field of ['name', 'description'] as const) {
    if (typeof inner[field] !== 'string' || inner[field] === '') throw new Error(`policy ${where}: field ${field} must be a non-empty string`);
  }
  if (typeof inner['createPolicy'] !== 'function') throw new Error(`policy ${where}: field createPolicy must be a function`);
  return inner as unknown as PolicyModule;
}

/** Loads a policy by built-in name or by path to an ES module (relative to `cwd`). */
export async function loadPolicyModule(spec: string, cwd: string = process.cwd()): Promise<PolicyModule> {
  const builtin = BUILTIN_POLICIES.get(spec);
  if (builtin) return builtin;
  if (!isPolicyPath(spec)) {
    throw new Error(`policy ${JSON.stringify(spec)}: not a built-in policy (${[...BUILTIN_POLICIES.keys()].join(', ')}) nor a path to a module`);
  }
  const file = isAbsolute(spec) ? spec : resolve(cwd, spec);
  let loaded: unknown;
  try {
    loaded = await import(pathToFileURL(file).href);
  } catch (err) {
    throw new Error(`policy ${file}: cannot load: ${(err as Error).message}`);
  }
  return validate(loaded, file);
}
