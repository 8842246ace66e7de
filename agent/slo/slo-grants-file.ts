// The cluster admin's SLO grants (policy/slo-grant.ts), read from a YAML file the agent is
// given with `scx-slo run --slo-grants FILE` (on Kubernetes, a key of the agent's
// ConfigMap, set through the Helm value `sloGrants`). Only the admin can write it: it
// lives in the agent's own namespace. Format:
//
//   default:                 # namespaces not listed (default: minBudgetMs 100, maxImportance 50)
//     minBudgetMs: 100       # the tightest budget a pod may claim, ms
//     maxImportance: 50      # the highest importance a pod may claim, 1..100
//   namespaces:
//     shop:    { minBudgetMs: 5, maxImportance: 90 }
//     trusted: { minBudgetMs: 0.001, maxImportance: 100 }   # no limit
//
// A missing field of an entry takes the default grant's value. Anything malformed
// rejects the whole file with an error naming the field and the value (the agent does not
// start with grants it cannot read).
import { readFileSync, statSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { DEFAULT_SLO_GRANT, type SloGrant, type SloGrants } from '../../policy/slo-grant.js';
import { parseBudgetMs, parseImportance, quoteValue } from './slo-values.js';

/** Largest grants file read, bytes. */
export const MAX_GRANTS_FILE_BYTES = 1 << 20;

const GRANT_KEYS = new Set(['minBudgetMs', 'maxImportance']);
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseGrant(raw: unknown, field: string, fileName: string, base: SloGrant): SloGrant {
  if (!isRecord(raw)) throw new Error(`${fileName}: ${field}: invalid value ${quoteValue(raw)}: must be a mapping with minBudgetMs and/or maxImportance`);
  for (const key of Object.keys(raw)) {
    if (!GRANT_KEYS.has(key)) throw new Error(`${fileName}: ${field}.${key}: unknown key (allowed: minBudgetMs, maxImportance)`);
  }
  let minBudgetNs = base.minBudgetNs;
  if (raw['minBudgetMs'] !== undefined) {
    const parsed = parseBudgetMs(raw['minBudgetMs']);
    if (!parsed.ok) throw new Error(`${fileName}: ${field}.minBudgetMs: invalid value ${quoteValue(raw['minBudgetMs'])}: ${parsed.error}`);
    minBudgetNs = parsed.value;
  }
  let maxImportance = base.maxImportance;
  if (raw['maxImportance'] !== undefined) {
    const parsed = parseImportance(raw['maxImportance']);
    if (!parsed.ok) throw new Error(`${fileName}: ${field}.maxImportance: invalid value ${quoteValue(raw['maxImportance'])}: ${parsed.error}`);
    maxImportance = parsed.value;
  }
  return { minBudgetNs, maxImportance };
}

/** Parses a grants file's text; throws naming `fileName`, the field and the value. */
export function parseSloGrants(text: string, fileName: string): SloGrants {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`${fileName}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return { default: DEFAULT_SLO_GRANT, namespaces: new Map() };
  if (!isRecord(root)) throw new Error(`${fileName}: the top level must be a mapping with "default" and/or "namespaces", got ${quoteValue(root)}`);
  for (const key of Object.keys(root)) {
    if (key !== 'default' && key !== 'namespaces') throw new Error(`${fileName}: unknown top-level key ${JSON.stringify(key)} (allowed: default, namespaces)`);
  }
  const fallback = root['default'] === undefined || root['default'] === null ? DEFAULT_SLO_GRANT : parseGrant(root['default'], 'default',
    fileName, DEFAULT_SLO_GRANT);
  const namespaces = new Map<string, SloGrant>();
  const listed = root['namespaces'];
  if (listed !== undefined && listed !== null) {
    if (!isRecord(listed)) throw new Error(`${fileName}: namespaces: invalid value ${quoteValue(listed)}: must be a mapping of namespace name to grant`);
    for (const [ns, raw] of Object.entries(listed)) {
      if (ns.length > 63 || !NAMESPACE_NAME.test(ns)) throw new Error(`${fileName}: namespaces: invalid namespace name ${JSON.stringify(ns)}`);
      namespaces.set(ns, parseGrant(raw, `namespaces.${ns}`, fileName, fallback));
    }
  }
  return { default: fallback, namespaces };
}

/** Reads and parses a grants file (at most MAX_GRANTS_FILE_BYTES). */
export function loadSloGrants(file: string): SloGrants {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_GRANTS_FILE_BYTES) throw new Error(`${size} bytes, more than the ${MAX_GRANTS_FILE_BYTES} allowed`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read the SLO grants: ${(err as Error).message}`);
  }
  return parseSloGrants(text, file);
}
