// Loading deploy/ for the offline checks: the plain manifests, the kustomization, and the chart
// rendered with the small renderer in helm-render.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadChart, renderChart, type RenderResult, type Values } from './helm-render.js';
import { CHART_DIR, CRD_PATH, DEPLOY_DIR, loadYamlFile, parseYamlDocs, validateBuiltin, validateServiceMonitor, type K8sObject } from './k8s-check.js';

export const MANIFEST_DIR = join(DEPLOY_DIR, 'manifests');
export const DEMO_DIR = join(DEPLOY_DIR, 'demo');
/** The optional kustomize component for the Prometheus Operator (ServiceMonitor, PrometheusRule). */
export const OPERATOR_COMPONENT_DIR = join(DEPLOY_DIR, 'components', 'prometheus-operator');
export const AGENT_NAMESPACE = 'scx-slo-system';

export interface LoadedObject {
  file: string;
  obj: K8sObject;
}

export function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort()
    .map((f) => join(dir, f));
}

export function loadDir(dir: string): LoadedObject[] {
  return yamlFiles(dir).flatMap((file) => loadYamlFile(file).map((obj) => ({ file, obj })));
}

/**
 * The agent's objects from deploy/manifests/ (every kind, Namespace included) and the
 * ServiceMonitor of the Prometheus Operator component (what the chart renders with
 * serviceMonitor.enabled=true).
 */
export function plainManifests(): K8sObject[] {
  return [...loadDir(MANIFEST_DIR), ...loadYamlFile(join(OPERATOR_COMPONENT_DIR, 'servicemonitor.yaml')).map((obj) => ({ file: 'servicemonitor.yaml',
    obj }))].map((x) => x.obj);
}

export function kustomization(dir: string = DEPLOY_DIR): { resources: string[]; images?: { name: string; newName?: string;
  newTag?: string }[] } & Record<string, unknown> {
  return parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as never;
}

export function crd(): K8sObject {
  if (!existsSync(CRD_PATH)) throw new Error(`${CRD_PATH}: the SLOPolicy CRD file is missing`);
  const found = loadYamlFile(CRD_PATH).find((d) => d.kind === 'CustomResourceDefinition');
  if (!found) throw new Error(`${CRD_PATH}: no CustomResourceDefinition in the file`);
  return found;
}

export interface Rendered extends RenderResult {
  objects: LoadedObject[];
}

/** Renders the chart (release scx-slo in scx-slo-system unless given) and parses it. */
export function renderChartObjects(values: Values = {}, releaseName = 'scx-slo', namespace = AGENT_NAMESPACE): Rendered {
  const chart = loadChart(CHART_DIR);
  const result = renderChart(chart, { releaseName, namespace, values });
  const objects: LoadedObject[] = [];
  for (const [file, text] of result.manifests) for (const obj of parseYamlDocs(text, file)) objects.push({ file, obj });
  return { ...result, objects };
}

/** Schema problems of one object: built-in kinds, the ServiceMonitor, the CRD's custom resources elsewhere. */
export function schemaProblems(obj: K8sObject): string[] {
  if (obj.kind === 'ServiceMonitor') return validateServiceMonitor(obj);
  return validateBuiltin(obj);
}
