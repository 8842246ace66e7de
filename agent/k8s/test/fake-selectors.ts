// Field and label selectors as kube-apiserver evaluates them, for the fake API server
// (fake-apiserver.ts). Written from the Kubernetes API conventions and the labels package
// documentation, independently of the agent's own label-selector.ts, so the agent is not
// tested against itself.
//
// Field selectors: "f=v", "f==v", "f!=v" terms joined by ","; only the fields the real
// server indexes for the resource are accepted, anything else is a 400 "field label not
// supported: F" (pods: metadata.name, metadata.namespace, spec.nodeName,
// spec.restartPolicy, spec.schedulerName, spec.serviceAccountName, spec.hostNetwork,
// status.phase, status.podIP, status.nominatedNodeName; custom resources: metadata.name
// and metadata.namespace).
//
// Label selectors: requirements joined by ",": "k=v", "k==v", "k!=v", "k in (a,b)",
// "k notin (a,b)", "k" (exists), "!k" (does not exist); "!=" and "notin" also match
// objects without the label. Keys are [prefix/]name, values are label values (may be
// empty); anything else is a 400.
import type { Resource } from './fake-apiserver.js';

export type ObjectFilter = (o: { metadata: { labels?: Record<string, string> } } & Record<string, unknown>) => boolean;

/** A selector the real server would refuse: the fake answers 400 BadRequest with this message. */
export class SelectorError extends Error {}

export const SUPPORTED_FIELDS: Record<Resource, readonly string[]> = {
  pods: [
    'metadata.name', 'metadata.namespace', 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName',
    'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName',
  ],
  slopolicies: ['metadata.name', 'metadata.namespace'],
};

function fieldValue(o: Record<string, unknown>, path: string): string {
  let v: unknown = o;
  for (const p of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  if (path === 'spec.hostNetwork') return v === true ? 'true' : 'false';
  return v === undefined || v === null ? '' : String(v);
}

/** The filter for a fieldSelector query parameter (undefined or "": everything). */
export function fieldSelectorFilter(resource: Resource, selector: string | undefined): ObjectFilter {
  if (!selector) return () => true;
  const terms = selector.split(',').map((term) => {
    const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(term);
    if (!m) throw new SelectorError(`invalid field selector: ${JSON.stringify(term)}: expected field=value, field==value or field!=value`);
    const field = m[1]!.trim();
    if (!SUPPORTED_FIELDS[resource].includes(field)) throw new SelectorError(`field label not supported: ${field}`);
    const negate = m[2] === '!=';
    const want = m[3]!;
    return (o: Record<string, unknown>): boolean => (fieldValue(o, field) === want) !== negate;
  });
  return (o) => terms.every((t) => t(o));
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(key: string): string {
  const slash = key.indexOf('/');
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : [undefined, key];
  if (!NAME.test(name) || (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix)))) {
    throw new SelectorError(`unable to parse requirement: invalid label key ${JSON.stringify(key)}`);
  }
  return key;
}

function checkValue(value: string): string {
  if (value !== '' && !NAME.test(value)) throw new SelectorError(`unable to parse requirement: invalid label value ${JSON.stringify(value)}`);
  return value;
}

/** Splits on the commas that are not inside "( )". */
function splitRequirements(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  out.push(selector.slice(start));
  return out.map((s) => s.trim());
}

/** The filter for a labelSelector query parameter (undefined or "": everything). */
export function labelSelectorFilter(selector: string | undefined): ObjectFilter {
  if (!selector || selector.trim() === '') return () => true;
  const reqs = splitRequirements(selector).map((req): ((labels: Record<string, string>) => boolean) => {
    let m = /^!\s*(\S+)$/.exec(req);
    if (m) {
      const k = checkKey(m[1]!);
      return (l) => !(k in l);
    }
    m = /^(\S+?)\s+(in|notin)\s*\(([^()]*)\)$/.exec(req);
    if (m) {
      const k = checkKey(m[1]!);
      const values = m[3]!.split(',').map((v) => checkValue(v.trim()));
      if (m[2] === 'in') return (l) => k in l && values.includes(l[k]!);
      return (l) => !(k in l) || !values.includes(l[k]!);
    }
    m = /^([^!=\s]+)\s*(!=|==|=)\s*(\S*)$/.exec(req);
    if (m) {
      const k = checkKey(m[1]!);
      const v = checkValue(m[3]!);
      if (m[2] === '!=') return (l) => l[k] !== v;
      return (l) => l[k] === v;
    }
    if (/^\S+$/.test(req)) {
      const k = checkKey(req);
      return (l) => k in l;
    }
    throw new SelectorError(`unable to parse requirement: ${JSON.stringify(req)}`);
  });
  return (o) => {
    const labels = o.metadata.labels ?? {};
    return reqs.every((r) => r(labels));
  };
}
