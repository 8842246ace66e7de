// deploy/scx-slo-daemonset.yaml, the one-file install for `kubectl apply -f`: generated
// from deploy/kustomization.yaml (deploy/single-file-manifest.ts) and kept current; holds
// the same objects as `kubectl kustomize deploy/` (where kubectl is installed); its
// objects pass the same schema and deployment checks as the sources.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderSingleFile, retag, SINGLE_FILE } from '../single-file-manifest.js';
import { agentPolicyViolations } from '../verify/agent-policy.js';
import { AGENT_NAMESPACE, schemaProblems } from '../verify/deploy-files.js';
import { DEPLOY_DIR, parseYamlDocs, type K8sObject } from '../verify/k8s-check.js';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

test('deploy/scx-slo-daemonset.yaml is current (make deploy-manifest regenerates it)', (t) => {
  t.is(readFileSync(SINGLE_FILE, 'utf8'), renderSingleFile(), 'stale: run make deploy-manifest');
});

test('its objects match their schemas and the agent\'s deployment rules, DaemonSet and CRD included', (t) => {
  const objs = parseYamlDocs(readFileSync(SINGLE_FILE, 'utf8'), 'scx-slo-daemonset.yaml');
  const kinds = objs.map((o) => o.kind);
  for (const k of ['CustomResourceDefinition', 'Namespace', 'DaemonSet', 'ConfigMap', 'ClusterRole']) t.true(kinds.includes(k), `has a ${k}`);
  for (const o of objs.filter((x) => x.kind !== 'CustomResourceDefinition')) t.deepEqual(schemaProblems(o), [], `${o.kind}/${o.metadata.name}`);
  t.deepEqual(agentPolicyViolations(objs.filter((o) => o.kind !== 'CustomResourceDefinition'), { namespace: AGENT_NAMESPACE }), []);
  const dash = objs.find((o) => o.metadata.name === 'scx-slo-grafana-dashboard') as K8sObject & { data: Record<string, string> };
  t.deepEqual(JSON.parse(dash.data['scx-slo-dashboard.json']!), JSON.parse(readFileSync(join(DEPLOY_DIR, 'grafana', 'scx-slo-dashboard.json'), 'utf8')));
});

(hasKubectl ? test : test.skip)('it holds exactly the objects `kubectl kustomize deploy/` builds', (t) => {
  const r = spawnSync('kubectl', ['kustomize', DEPLOY_DIR], { encoding: 'utf8', timeout: 60_000 });
  t.is(r.status, 0, r.stderr);
  const objs = (text: string): Map<string, unknown> => new Map(parseAllDocuments(text).map((d) => d.toJS() as K8sObject).filter(Boolean)
    .map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
  const ours = objs(readFileSync(SINGLE_FILE, 'utf8'));
  const theirs = objs(r.stdout);
  t.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort());
  for (const [k, o] of ours) t.deepEqual(o, theirs.get(k), k);
});

test('images[] retags like kustomize: by name, keeping the tag when no newTag is given', (t) => {
  const rules = [{ name: 'scx-slo', newName: 'images.example.com/scx-slo', newTag: '1.2.3' }, { name: 'other', newName: 'mirror/other' }];
  t.is(retag('scx-slo:0.1.0', rules), 'images.example.com/scx-slo:1.2.3');
  t.is(retag('scx-slo', rules), 'images.example.com/scx-slo:1.2.3');
  t.is(retag('other:5', rules), 'mirror/other:5');
  t.is(retag('unrelated:1', rules), 'unrelated:1');
});

test('a kustomization field the renderer does not implement is an error, not silently dropped', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'single-file-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: ' +
    '[]\npatches:\n  - path: p.yaml\n');
  t.throws(() => renderSingleFile(dir), { message: /fields this renderer does not implement: patches/ });
});
