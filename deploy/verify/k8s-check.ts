// Offline checks of Kubernetes objects for the deploy/ tests: YAML loading, schema
// validation per kind (kubernetes-models), unknown-field detection (the field lists of
// @kubernetes/client-node's generated models, like `kubectl apply --validate=strict`),
// a small structural-schema validator (custom resources against their CRD, and the
// ServiceMonitor against the minimal schema below), label selectors and quantities.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import * as k8sModels from '@kubernetes/client-node/dist/gen/models/all.js';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';

/** The repository root (this file runs from dist/deploy/test/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');
export const CRD_PATH = join(DEPLOY_DIR, 'crds', 'slopolicy.yaml');
export const CHART_DIR = join(DEPLOY_DIR, 'helm', 'scx-slo');

export type K8sObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
};

/** Every non-empty YAML document of `text`; throws on a YAML error or a non-object document. */
export function parseYamlDocs(text: string, where: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${where}: YAML error: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: a document is not a mapping`);
    const obj = value as K8sObject;
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') throw new Error(`${where}: a document has no apiVersion/kind`);
    out.push(obj);
  }
  return out;
}

export function loadYamlFile(path: string): K8sObject[] {
  return parseYamlDocs(readFileSync(path, 'utf8'), path);
}

export function crdExists(): boolean {
  return existsSync(CRD_PATH);
}

// ---------------------------------------------------------------------------------
// Schema validation per kind

interface Validatable {
  validate(): void;
}
type ModelCtor = new (data: never) => Validatable;

const MODELS: Record<string, ModelCtor> = {
  'v1/Namespace': Namespace as unknown as ModelCtor,
  'v1/ServiceAccount': ServiceAccount as unknown as ModelCtor,
  'v1/ConfigMap': ConfigMap as unknown as ModelCtor,
  'v1/Service': Service as unknown as ModelCtor,
  'v1/ResourceQuota': ResourceQuota as unknown as ModelCtor,
  'apps/v1/DaemonSet': DaemonSet as unknown as ModelCtor,
  'apps/v1/Deployment': Deployment as unknown as ModelCtor,
  'batch/v1/Job': Job as unknown as ModelCtor,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole as unknown as ModelCtor,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding as unknown as ModelCtor,
  'apiextensions.k8s.io/v1/CustomResourceDefinition': CustomResourceDefinition as unknown as ModelCtor,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as ModelCtor,
};

export function hasBuiltinSchema(obj: K8sObject): boolean {
  return `${obj.apiVersion}/${obj.kind}` in MODELS;
}

/**
 * Checks a built-in object against the Kubernetes OpenAPI schema of its kind
 * (kubernetes-models: types, required fields, formats such as quantities) and for
 * fields the kind does not have (which that schema lets through). Returns problems.
 */
export function validateBuiltin(obj: K8sObject): string[] {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const Model = MODELS[key];
  if (!Model) return [`${key}: no schema known to these tests`];
  const problems: string[] = [];
  try {
    new Model(obj as never).validate();
  } catch (err) {
    problems.push(`${key} ${obj.metadata?.name}: ${(err as Error).message}`);
  }
  for (const p of unknownFields(obj)) problems.push(`${key} ${obj.metadata?.name}: unknown field ${p}`);
  return problems;
}

// ---------------------------------------------------------------------------------
// Unknown fields, from the generated client's attribute maps

interface Attr {
  baseName: string;
  type: string;
}
type ModelClass = { getAttributeTypeMap(): Attr[] };
const CLIENT_MODELS = k8sModels as unknown as Record<string, ModelClass | undefined>;

function modelClassName(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').pop()!;
  return version.charAt(0).toUpperCase() + version.slice(1) + kind;
}

function walkType(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) {
    if (Array.isArray(value)) value.forEach((v, i) => walkType(v, arr[1]!, `${path}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object') for (const [k, v] of Object.entries(value as object)) walkType(v, map[1]!, `${path}.${k}`, out);
    return;
  }
  const cls = CLIENT_MODELS[type];
  if (!cls || typeof cls.getAttributeTypeMap !== 'function') return; // primitives, any, IntOrString, Date
  if (typeof value !== 'object' || Array.isArray(value)) return; // type errors are the schema check's job
  const attrs = new Map(cls.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value as object)) {
    const t = attrs.get(k);
    if (t === undefined) out.push(`${path ? `${path}.` : ''}${k}`);
    else walkType(v, t, `${path ? `${path}.` : ''}${k}`, out);
  }
}

/** Paths of fields that the object's kind does not define (e.g. a misspelt key). */
export function unknownFields(obj: K8sObject): string[] {
  const name = modelClassName(obj.apiVersion, obj.kind);
  if (!CLIENT_MODELS[name]) return [`(no field list for ${name})`];
  const out: string[] = [];
  walkType(obj, name, '', out);
  return out;
}

// ---------------------------------------------------------------------------------
// Structural schemas (the subset of OpenAPI v3 that CRDs use)

export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  nullable?: boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  [other: string]: unknown;
}

/** Validates `value` against a structural schema; unknown fields are errors (strict). */
export function validateStructural(value: unknown, schema: Schema, path = ''): string[] {
  const at = path || '<root>';
  const errs: string[] = [];
  if (value === null) return schema.nullable ? [] : [`${at}: null is not allowed`];
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value !== 'string' && !Number.isInteger(value)) errs.push(`${at}: must be an integer or a string`);
  } else if (schema.type) {
    const ok =
      schema.type === 'object' ? typeof value === 'object' && !Array.isArray(value)
      : schema.type === 'array' ? Array.isArray(value)
      : schema.type === 'string' ? typeof value === 'string'
      : schema.type === 'integer' ? Number.isInteger(value)
      : schema.type === 'number' ? typeof value === 'number'
      : schema.type === 'boolean' ? typeof value === 'boolean'
      : false;
    if (!ok) return [`${at}: must be of type ${schema.type}`];
  }
  if (schema.enum && !schema.enum.some((e) => e === value)) errs.push(`${at}: must be one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) errs.push(`${at}: below the ` +
      `minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) errs.push(`${at}: above the ` +
      `maximum ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) errs.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) errs.push(`${at}: longer than ${schema.maxLength}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) errs.push(`${at}: does not match ${schema.pattern}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errs.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errs.push(`${at}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((v, i) => errs.push(...validateStructural(v, schema.items!, `${path}[${i}]`)));
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) errs.push(`${at}: missing required field ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      const sub = schema.properties?.[k];
      const childPath = path ? `${path}.${k}` : k;
      if (sub) errs.push(...validateStructural(v, sub, childPath));
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') errs.push(...validateStructural(v,
        schema.additionalProperties, childPath));
      else if (schema.additionalProperties === true || schema['x-kubernetes-preserve-unknown-fields']) continue;
      else if (schema.properties || schema.additionalProperties === false || schema.type === 'object') errs.push(`${childPath}: unknown field`);
    }
  }
  for (const s of schema.allOf ?? []) errs.push(...validateStructural(value, s, path));
  if (schema.anyOf && !schema.anyOf.some((s) => validateStructural(value, { ...s, 'x-kubernetes-preserve-unknown-fields': true },
    path).length === 0)) errs.push(`${at}: matches none of anyOf`);
  if (schema.oneOf && schema.oneOf.filter((s) => validateStructural(value, { ...s, 'x-kubernetes-preserve-unknown-fields': true },
    path).length === 0).length !== 1) errs.push(`${at}: must match exactly one of oneOf`);
  return errs;
}

/** Validates a custom resource against the served version's schema of its CRD. */
export function validateCustomResource(obj: K8sObject, crd: K8sObject): string[] {
  const spec = crd['spec'] as { group: string; names: { kind: string }; scope: string; versions: { name: string; served: boolean;
    schema?: { openAPIV3Schema?: Schema } }[] };
  const [group, version] = obj.apiVersion.split('/');
  if (group !== spec.group) return [`apiVersion group ${group} is not the CRD's ${spec.group}`];
  if (obj.kind !== spec.names.kind) return [`kind ${obj.kind} is not the CRD's ${spec.names.kind}`];
  const v = spec.versions.find((x) => x.name === version);
  if (!v) return [`version ${version} is not in the CRD`];
  if (!v.served) return [`version ${version} is not served`];
  const errs: string[] = [];
  if (spec.scope === 'Namespaced' && !obj.metadata.namespace) errs.push('a namespaced resource without metadata.namespace');
  const schema = v.schema?.openAPIV3Schema;
  if (!schema) return [...errs, `version ${version} has no schema`];
  // apiVersion, kind and metadata are the API server's; validate the rest.
  const rest: Record<string, unknown> = { ...obj };
  delete rest['apiVersion'];
  delete rest['kind'];
  delete rest['metadata'];
  const props = { ...(schema.properties ?? {}) };
  delete props['apiVersion'];
  delete props['kind'];
  delete props['metadata'];
  return [...errs, ...validateStructural(rest, { ...schema, properties: props,
    required: (schema.required ?? []).filter((r) => !['apiVersion', 'kind', 'metadata'].includes(r)) })];
}

// ---------------------------------------------------------------------------------
// ServiceMonitor: kubernetes-models has no prometheus-operator types. This minimal
// schema, written for these tests from the monitoring.coreos.com/v1 CRD, covers the
// fields the manifests use plus common neighbours; any other field is reported as
// unknown even if the real CRD accepts it.

const DURATION = '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$';
const LABEL_NAME = '^[a-zA-Z_][a-zA-Z0-9_]*$';
const RELABEL_ACTIONS = ['replace', 'keep', 'drop', 'hashmod', 'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase', 'keepequal', 'dropequal'];
const RELABEL: Schema = {
  type: 'object',
  properties: {
    sourceLabels: { type: 'array', items: { type: 'string', pattern: LABEL_NAME } },
    separator: { type: 'string' },
    targetLabel: { type: 'string' },
    regex: { type: 'string' },
    modulus: { type: 'integer' },
    replacement: { type: 'string' },
    action: { type: 'string', enum: [...RELABEL_ACTIONS, 'Replace', 'Keep', 'Drop', 'HashMod', 'LabelMap', 'LabelDrop', 'LabelKeep', 'Lowercase', 'Uppercase',
      'KeepEqual', 'DropEqual'] },
  },
  additionalProperties: false,
};
const LABEL_SELECTOR: Schema = {
  type: 'object',
  properties: {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
    matchExpressions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'operator'],
        properties: { key: { type: 'string' }, operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
          values: { type: 'array', items: { type: 'string' } } },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
};
export const SERVICE_MONITOR_SCHEMA: Schema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string', enum: ['monitoring.coreos.com/v1'] },
    kind: { type: 'string', enum: ['ServiceMonitor'] },
    metadata: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' },
        namespace: { type: 'string' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        annotations: { type: 'object', additionalProperties: { type: 'string' } },
      },
      additionalProperties: false,
    },
    spec: {
      type: 'object',
      required: ['selector'],
      properties: {
        jobLabel: { type: 'string' },
        targetLabels: { type: 'array', items: { type: 'string' } },
        podTargetLabels: { type: 'array', items: { type: 'string' } },
        sampleLimit: { type: 'integer', minimum: 0 },
        selector: LABEL_SELECTOR,
        namespaceSelector: {
          type: 'object',
          properties: { any: { type: 'boolean' }, matchNames: { type: 'array', items: { type: 'string' } } },
          additionalProperties: false,
        },
        endpoints: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              port: { type: 'string' },
              targetPort: { 'x-kubernetes-int-or-string': true },
              path: { type: 'string', pattern: '^/' },
              scheme: { type: 'string', enum: ['http', 'https', 'HTTP', 'HTTPS'] },
              interval: { type: 'string', pattern: DURATION },
              scrapeTimeout: { type: 'string', pattern: DURATION },
              honorLabels: { type: 'boolean' },
              honorTimestamps: { type: 'boolean' },
              relabelings: { type: 'array', items: RELABEL },
              metricRelabelings: { type: 'array', items: RELABEL },
            },
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

export function validateServiceMonitor(obj: K8sObject): string[] {
  return validateStructural(obj, SERVICE_MONITOR_SCHEMA).map((e) => `ServiceMonitor ${obj.metadata?.name}: ${e}`);
}

/** Prometheus duration ("15s", "1m30s") in ms. */
export function durationMs(d: string): number {
  const units: Record<string, number> = { y: 31_536_000_000, w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const m of d.matchAll(/([0-9]+)(ms|y|w|d|h|m|s)/g)) total += Number(m[1]) * units[m[2]!]!;
  return total;
}

// ---------------------------------------------------------------------------------
// Label selectors and quantities

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function selectorMatches(sel: LabelSelector | Record<string, string>, labels: Record<string, string> = {}): boolean {
  const s: LabelSelector = 'matchLabels' in sel || 'matchExpressions' in sel ? (sel as LabelSelector) : { matchLabels: sel as Record<string, string> };
  if (!s.matchLabels && !s.matchExpressions) return true;
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of s.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(labels[e.key]!))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(labels[e.key]!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** A resource quantity ("100m", "1", "512Mi", "1G") as a number of base units. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([0-9.]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q);
  if (!m) throw new Error(`bad quantity ${q}`);
  const mult: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
    Pi: 2 ** 50, Ei: 2 ** 60 };
  return Number(m[1]) * mult[m[2] ?? '']!;
}
