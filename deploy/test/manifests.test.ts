// deploy/manifests/, deploy/kustomization.yaml and the SLOPolicy CRD: every object parses,
// matches the Kubernetes schema of its kind with no unknown fields, and the agent's
// deployment meets the SRE rules in agent-policy.ts.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_RBAC, agentPolicyViolations } from '../verify/agent-policy.js';
import { AGENT_NAMESPACE, MANIFEST_DIR, OPERATOR_COMPONENT_DIR, crd, kustomization, loadDir, plainManifests, schemaProblems,
  yamlFiles } from '../verify/deploy-files.js';
import { CHART_DIR, CRD_PATH, DEPLOY_DIR, loadYamlFile, validateBuiltin } from '../verify/k8s-check.js';

test('every manifest file parses as YAML into Kubernetes objects', (t) => {
  const files = yamlFiles(MANIFEST_DIR);
  t.true(files.length >= 8);
  for (const file of files) t.true(loadYamlFile(file).length >= 1, file);
});

test('every manifest object matches its kind\'s schema and has no unknown fields', (t) => {
  const objs = [...loadDir(MANIFEST_DIR), ...loadDir(OPERATOR_COMPONENT_DIR).filter((o) => o.obj.kind === 'ServiceMonitor')];
  const kinds = new Set(objs.map((o) => o.obj.kind));
  for (const k of ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'DaemonSet', 'Service',
    'ServiceMonitor']) t.true(kinds.has(k), `missing a ${k}`);
  for (const { file, obj } of objs) t.deepEqual(schemaProblems(obj), [], file);
});

test('the agent manifests meet the deployment rules (security, probes, RBAC, wiring)', (t) => {
  t.deepEqual(agentPolicyViolations(plainManifests(), { namespace: AGENT_NAMESPACE }), []);
});

test('names are unique per kind and namespace', (t) => {
  const seen = new Set<string>();
  for (const o of plainManifests()) {
    const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    t.false(seen.has(key), key);
    seen.add(key);
  }
});

test('the namespace exempts the agent from the baseline Pod Security Standard, and only it', (t) => {
  const ns = plainManifests().filter((o) => o.kind === 'Namespace');
  t.is(ns.length, 1);
  t.is(ns[0]!.metadata.name, AGENT_NAMESPACE);
  t.is(ns[0]!.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
});

test('kustomization lists every manifest and the CRD, and retags the DaemonSet image', (t) => {
  const k = kustomization();
  t.is(k['apiVersion'], 'kustomize.config.k8s.io/v1beta1');
  t.is(k['kind'], 'Kustomization');
  for (const r of k.resources) t.true(existsSync(join(DEPLOY_DIR, r)), `kustomization resource ${r} does not exist`);
  const listed = new Set(k.resources);
  for (const file of yamlFiles(MANIFEST_DIR)) t.true(listed.has(`manifests/${file.split('/').pop()}`), `${file} is not in kustomization.yaml`);
  t.true(listed.has('crds/slopolicy.yaml'), 'the CRD must be installed with the agent');
  t.is(new Set(k.resources).size, k.resources.length, 'a resource is listed twice');
  const ds = plainManifests().find((o) => o.kind === 'DaemonSet') as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } };
  const imageName = ds.spec.template.spec.containers[0]!.image.replace(/:[^/:]+$/, '');
  t.true((k.images ?? []).some((i) => i.name === imageName), 'kustomization images[] must name the DaemonSet image');
});

test('the Prometheus Operator objects are an optional component, left out of the default kustomization', (t) => {
  const k = kustomization();
  for (const r of k.resources) t.notRegex(r, /servicemonitor|prometheusrule/i, 'kubectl apply -k deploy/ must work without the operator\'s CRDs');
  t.falsy(k['components'], 'no component by default');
  const comp = kustomization(OPERATOR_COMPONENT_DIR);
  t.is(comp['apiVersion'], 'kustomize.config.k8s.io/v1alpha1');
  t.is(comp['kind'], 'Component');
  t.deepEqual([...comp.resources].sort(), yamlFiles(OPERATOR_COMPONENT_DIR).map((f) => f.split('/').pop()!).sort(), 'the component lists each of its files');
  t.regex(readFileSync(join(DEPLOY_DIR, 'kustomization.yaml'), 'utf8'), /^# components:\n# {3}- components\/prometheus-operator$/m,
    'the commented-out way to enable it');
});

test('RBAC grants exactly the least set of verbs', (t) => {
  const role = plainManifests().find((o) => o.kind === 'ClusterRole') as unknown as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
  const triples = role.rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g} ${res} ${v}`))));
  t.deepEqual(triples.sort(), [...AGENT_RBAC].sort());
});

// ---- the SLOPolicy CRD (a missing file fails: crd() throws naming it)

test('the SLOPolicy CRD is a valid CustomResourceDefinition for scx-slo.io/v1alpha1 SLOPolicy', (t) => {
  const c = crd();
  t.deepEqual(validateBuiltin(c), []);
  const spec = c['spec'] as { group: string; scope: string; names: { kind: string; plural: string };
    versions: { name: string; served: boolean; storage: boolean;
      schema?: { openAPIV3Schema?: { properties?: { spec?: { properties?: Record<string, unknown> } } } } }[] };
  t.is(spec.group, 'scx-slo.io');
  t.is(spec.names.kind, 'SLOPolicy');
  t.is(spec.scope, 'Namespaced');
  t.is(c.metadata.name, `${spec.names.plural}.${spec.group}`);
  const v = spec.versions.find((x) => x.name === 'v1alpha1');
  t.truthy(v, 'no v1alpha1 version');
  t.true(v!.served && v!.storage);
  const props = v!.schema?.openAPIV3Schema?.properties?.spec?.properties ?? {};
  for (const f of ['selector', 'budgetMs', 'importance']) t.true(f in props, `spec.${f} missing from the schema`);
  // The ClusterRole must name the CRD's plural.
  t.true(AGENT_RBAC.some((r) => r.startsWith(`${spec.group} ${spec.names.plural} `)), 'RBAC does not cover the CRD plural');
});

test('the chart ships the same CRD file as deploy/crds/ (one source of truth)', (t) => {
  const chartCopy = join(CHART_DIR, 'crds', 'slopolicy.yaml');
  t.true(existsSync(CRD_PATH), `${CRD_PATH} is missing`);
  t.true(existsSync(chartCopy), `copy it: cp deploy/crds/slopolicy.yaml ${chartCopy.slice(chartCopy.indexOf('deploy/'))}`);
  t.is(readFileSync(chartCopy, 'utf8'), readFileSync(CRD_PATH, 'utf8'), 'deploy/helm/scx-slo/crds/slopolicy.yaml differs from ' +
    'deploy/crds/slopolicy.yaml: copy it again');
});
