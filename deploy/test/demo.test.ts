// deploy/demo/: the demo workloads parse, match their schemas, carry the SLOs the README
// promises (read with the agent's own annotation and SLOPolicy code), and meet the
// "restricted" Pod Security Standard their namespace enforces.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { sloFromAnnotations } from '../../agent/k8s/slo-annotations.js';
import { compileSloPolicy, pickSloPolicy, type SloPolicyObject } from '../../agent/k8s/slo-policy.js';
import { DEMO_DIR, crd, kustomization, loadDir, yamlFiles } from '../verify/deploy-files.js';
import { selectorMatches, validateBuiltin, validateCustomResource, type K8sObject } from '../verify/k8s-check.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
// biome-ignore lint/suspicious/noExplicitAny: walking untyped YAML/JSON documents, inside this module only
type Any = any;
const NS = 'scx-slo-demo';

const objects = (): K8sObject[] => loadDir(DEMO_DIR).map((x) => x.obj);
const byName = (kind: string, name: string): Any => objects().find((o) => o.kind === kind && o.metadata.name === name);
const workloads = (): Any[] => objects().filter((o) => ['Deployment', 'Job'].includes(o.kind));

test('every demo object parses and matches its schema (SLOPolicy: the CRD\'s)', (t) => {
  const objs = objects();
  t.true(objs.length >= 7);
  t.true(objs.some((o) => o.kind === 'SLOPolicy'), 'the demo has an SLOPolicy example');
  for (const o of objs) {
    if (o.kind === 'SLOPolicy') {
      t.deepEqual(validateCustomResource(o, crd()), [], 'SLOPolicy vs CRD');
      continue;
    }
    t.deepEqual(validateBuiltin(o), [], `${o.kind}/${o.metadata.name}`);
  }
});

test('the demo kustomization lists every demo file, namespace first', (t) => {
  const k = kustomization(DEMO_DIR);
  for (const r of k.resources) t.true(existsSync(join(DEMO_DIR, r)), r);
  t.deepEqual([...k.resources].sort(), yamlFiles(DEMO_DIR).map((f) => f.split('/').pop()!).sort());
  t.is(k.resources[0], 'namespace.yaml');
});

test('everything lives in the demo namespace', (t) => {
  for (const o of objects()) {
    if (o.kind === 'Namespace') t.is(o.metadata.name, NS);
    else t.is(o.metadata.namespace, NS, `${o.kind}/${o.metadata.name}`);
  }
});

test('the frontend asks for 10 ms at importance 90 on its pods, as the agent reads it', (t) => {
  const fe = byName('Deployment', 'frontend');
  const { slo, problems } = sloFromAnnotations(fe.spec.template.metadata.annotations, `${NS}/frontend`);
  t.deepEqual(problems, []);
  t.deepEqual(slo, { budgetNs: 10_000_000, importance: 90 });
});

test('the batch job is stress-ng at importance 10 with a 500 ms budget', (t) => {
  const job = byName('Job', 'batch-cpu-hog');
  const { slo, problems } = sloFromAnnotations(job.spec.template.metadata.annotations, `${NS}/batch-cpu-hog`);
  t.deepEqual(problems, []);
  t.deepEqual(slo, { budgetNs: 500_000_000, importance: 10 });
  const c = job.spec.template.spec.containers[0];
  t.true(c.image.includes('stress-ng'));
  t.true(c.args.includes('--cpu'));
  t.true(c.args.includes('--timeout'), 'the hog must stop by itself');
  t.is(c.resources?.limits?.cpu, undefined, 'no CPU limit: it must compete for every CPU');
});

test('the example SLOPolicy selects the frontend pods and nothing else', (t) => {
  const pol = byName('SLOPolicy', 'frontend') as SloPolicyObject & Any;
  const compiled = compileSloPolicy(pol);
  t.deepEqual(compiled.problems, []);
  t.deepEqual(compiled.slo, { budgetNs: 10_000_000, importance: 90 });
  const fe = byName('Deployment', 'frontend');
  t.is(pickSloPolicy([compiled], fe.metadata.namespace, fe.spec.template.metadata.labels), compiled);
  for (const w of workloads().filter((x) => x.metadata.name !== 'frontend')) {
    t.is(pickSloPolicy([compiled], w.metadata.namespace, w.spec.template.metadata.labels), undefined, w.metadata.name);
  }
});

test('demo pods meet the restricted Pod Security Standard', (t) => {
  for (const w of workloads()) {
    const pod = w.spec.template.spec;
    const where = `${w.kind}/${w.metadata.name}`;
    t.true(pod.securityContext?.runAsNonRoot === true, `${where}: runAsNonRoot`);
    t.is(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${where}: seccomp`);
    t.falsy(pod.hostPID || pod.hostNetwork || pod.hostIPC, `${where}: host namespaces`);
    t.false((pod.volumes ?? []).some((v: Any) => v.hostPath), `${where}: hostPath`);
    for (const c of pod.containers) {
      t.is(c.securityContext?.allowPrivilegeEscalation, false, `${where}/${c.name}: allowPrivilegeEscalation`);
      t.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], `${where}/${c.name}: drop ALL`);
      t.falsy(c.securityContext?.capabilities?.add, `${where}/${c.name}: adds capabilities`);
      t.not(c.securityContext?.runAsUser, 0, `${where}/${c.name}: root`);
    }
  }
  t.is(byName('Namespace', NS).metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
});

test('the demo scripts compile, and the Services reach their pods', (t) => {
  const cm = byName('ConfigMap', 'frontend-scripts');
  for (const [name, src] of Object.entries(cm.data as Record<string, string>)) {
    t.notThrows(() => new Script(src, { filename: name }), name);
  }
  t.regex(cm.data['server.cjs'], /PORT \|\| '8080'/);
  const svc = byName('Service', 'frontend');
  const fe = byName('Deployment', 'frontend');
  t.true(selectorMatches(svc.spec.selector, fe.spec.template.metadata.labels));
  t.true(selectorMatches(fe.spec.selector, fe.spec.template.metadata.labels));
  const portNames = fe.spec.template.spec.containers[0].ports.map((p: Any) => p.name);
  for (const p of svc.spec.ports) t.true(portNames.includes(p.targetPort), p.name);
  for (const w of workloads()) {
    for (const c of w.spec.template.spec.containers) {
      for (const m of c.volumeMounts ?? []) {
        const vol = w.spec.template.spec.volumes.find((v: Any) => v.name === m.name);
        t.truthy(vol, `${w.metadata.name}: volume ${m.name}`);
        if (vol?.configMap) t.truthy(byName('ConfigMap', vol.configMap.name), `ConfigMap ${vol.configMap.name}`);
        if (c.command?.[1]?.startsWith(m.mountPath)) t.truthy(cm.data[c.command[1].slice(m.mountPath.length + 1)], `${c.command[1]} is in the ConfigMap`);
      }
    }
  }
});

/** Starts the demo's real server.cjs (from the ConfigMap) on an ephemeral port. */
async function startFrontend(t: import('ava').ExecutionContext): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'demo-frontend-'));
  writeFileSync(join(dir, 'server.cjs'), byName('ConfigMap', 'frontend-scripts').data['server.cjs']);
  const child = spawn(process.execPath, [join(dir, 'server.cjs')], { env: { ...process.env, PORT: '0', WORK_US: '500' },
    stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on :(\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server.cjs exited with ${code}: ${out}`)));
  });
  return `http://127.0.0.1:${port}`;
}

test('the frontend serves /delay/<s> like the write-ups\' wrk target: waits, then answers; bad delays get 400', async (t) => {
  const url = await startFrontend(t);
  const t0 = performance.now();
  const res = await fetch(`${url}/delay/0.2`);
  const ms = performance.now() - t0;
  t.is(res.status, 200);
  t.regex(await res.text(), /^ok \d+/);
  t.true(ms >= 195, `answered after ${ms.toFixed(0)} ms, expected at least 200 ms`);
  t.is((await fetch(`${url}/`)).status, 200);
  t.is((await fetch(`${url}/healthz`)).status, 200);
  for (const bad of ['abc', '11', '-1', '1e3']) {
    const r = await fetch(`${url}/delay/${bad}`);
    t.is(r.status, 400, bad);
    t.regex(await r.text(), /delay: expected seconds from 0 to 10/);
  }
  const svc = byName('Service', 'frontend');
  t.true(svc.spec.ports.some((p: Any) => p.port === 80 && p.targetPort === 'http'), 'the Service answers on port 80, as http://<frontend>/delay/0.2 expects');
});
