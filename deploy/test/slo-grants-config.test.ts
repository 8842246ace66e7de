// The shipped SLO grants (ConfigMap slo-grants.yaml, Helm value sloGrants) are what the
// agent reads with --slo-grants, and by default they grant no namespace more than the
// safe default (budget >= 100 ms, importance <= 50).
import test from 'ava';
import { parseSloGrants } from '../../agent/slo/slo-grants-file.js';
import { DEFAULT_SLO_GRANT } from '../../policy/slo-grant.js';
import { plainManifests, renderChartObjects } from '../verify/deploy-files.js';
import type { K8sObject } from '../verify/k8s-check.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
// biome-ignore lint/suspicious/noExplicitAny: walking untyped YAML/JSON documents, inside this module only
type Any = any;

function grantsOf(objs: K8sObject[]) {
  const cm = objs.find((o) => o.kind === 'ConfigMap') as Any;
  const ds = objs.find((o) => o.kind === 'DaemonSet') as Any;
  const command = ds.spec.template.spec.containers[0].command as string[];
  return { grants: parseSloGrants(cm.data['slo-grants.yaml'], 'slo-grants.yaml'), flag: command[command.indexOf('--slo-grants') + 1] };
}

test('manifests and chart ship the safe default grant to an agent started with --slo-grants', (t) => {
  for (const objs of [plainManifests(), renderChartObjects().objects.map((o) => o.obj)]) {
    const { grants, flag } = grantsOf(objs);
    t.is(flag, '/etc/scx-slo/slo-grants.yaml');
    t.deepEqual(grants.default, DEFAULT_SLO_GRANT);
    t.is(grants.namespaces.size, 0);
  }
});

test('Helm value sloGrants grants a namespace more', (t) => {
  const { grants } = grantsOf(renderChartObjects({ sloGrants: { namespaces: { shop: { minBudgetMs: 5, maxImportance: 90 } } } }).objects.map((o) => o.obj));
  t.deepEqual(grants.namespaces.get('shop'), { minBudgetNs: 5_000_000, maxImportance: 90 });
  t.deepEqual(grants.default, DEFAULT_SLO_GRANT);
});
