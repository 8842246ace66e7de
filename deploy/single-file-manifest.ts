// Renders deploy/kustomization.yaml into one file, deploy/scx-slo-daemonset.yaml, for
// `kubectl apply -f scx-slo-daemonset.yaml` (what the original scx-slo write-ups tell
// people to type). It does what kustomize does for this kustomization only, keeping each
// source file's comments: the `resources` in order, the `images` retag of containers, and
// the `configMapGenerator` (files -> data, labels, namespace, no name hash); any other
// kustomization field is an error, so the file cannot silently drift from `kubectl
// apply -k deploy/`. deploy/test/single-file-manifest.test.ts checks the file is current
// and, where kubectl is installed, that it holds the same objects as `kubectl kustomize`.
//
// CLI: node dist/deploy/single-file-manifest.js [--check]   (make deploy-manifest)
//   writes deploy/scx-slo-daemonset.yaml; --check only compares, exit 1 when stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Document, isMap, isSeq, parse as parseYaml, parseAllDocuments, stringify as stringifyYaml } from 'yaml';

export const DEPLOY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy');
export const SINGLE_FILE = join(DEPLOY_DIR, 'scx-slo-daemonset.yaml');

interface ImageRule { name: string; newName?: string; newTag?: string }
interface Generator { name: string; namespace?: string; files: string[]; options?: { disableNameSuffixHash?: boolean; labels?: Record<string, string> } }
interface Kustomization {
  apiVersion: string;
  kind: string;
  resources: string[];
  images?: ImageRule[];
  configMapGenerator?: Generator[];
}

const HANDLED = new Set(['apiVersion', 'kind', 'resources', 'images', 'configMapGenerator']);

/** `image` retagged by the first matching images[] rule (name with or without tag/digest). */
export function retag(image: string, rules: readonly ImageRule[]): string {
  const m = /^(.*?)(?::([^/:@]+))?(@sha256:[0-9a-f]+)?$/.exec(image)!;
  const rule = rules.find((r) => r.name === m[1]);
  if (!rule) return image;
  return `${rule.newName ?? m[1]}:${rule.newTag ?? m[2] ?? 'latest'}`;
}

function retagContainers(doc: Document, rules: readonly ImageRule[]): void {
  for (const path of [['spec', 'template', 'spec', 'containers'], ['spec', 'template', 'spec', 'initContainers']]) {
    const seq = doc.getIn(path, true);
    if (!isSeq(seq)) continue;
    for (const c of seq.items) {
      if (!isMap(c)) continue;
      const image = c.get('image');
      if (typeof image === 'string') c.set('image', retag(image, rules));
    }
  }
}

export function renderSingleFile(deployDir: string = DEPLOY_DIR): string {
  const k = parseYaml(readFileSync(join(deployDir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const extra = Object.keys(k).filter((key) => !HANDLED.has(key));
  if (extra.length) throw new Error(`kustomization.yaml fields this renderer does not implement: ${extra.join(', ')}`);
  const parts: string[] = [
    '# scx-slo in one file: `kubectl apply -f scx-slo-daemonset.yaml` installs what',
    '# `kubectl apply -k deploy/` installs (the SLOPolicy CRD, namespace scx-slo-system, RBAC,',
    '# ConfigMaps, the agent DaemonSet, Services). GENERATED from deploy/kustomization.yaml by',
    '# `make deploy-manifest` (deploy/single-file-manifest.ts): edit the sources, not this file.',
  ];
  for (const file of k.resources) {
    for (const doc of parseAllDocuments(readFileSync(join(deployDir, file), 'utf8'))) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      if (doc.contents === null) continue;
      retagContainers(doc as Document, k.images ?? []);
      parts.push(`---\n# Source: deploy/${file}\n${String(doc).replace(/^---\n/, '').trimEnd()}`);
    }
  }
  for (const g of k.configMapGenerator ?? []) {
    if (g.options?.disableNameSuffixHash !== true) throw new Error(`configMapGenerator ${g.name}: only disableNameSuffixHash: true is implemented`);
    const data: Record<string, string> = {};
    for (const f of g.files) data[basename(f)] = readFileSync(join(deployDir, f), 'utf8');
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: g.name, ...(g.namespace ? { namespace: g.namespace } : {}), ...(g.options.labels ? { labels: g.options.labels } : {}) },
      data,
    };
    parts.push(`---\n# Source: deploy/kustomization.yaml configMapGenerator ${g.name} ` +
      `(${g.files.join(', ')})\n${stringifyYaml(cm, { lineWidth: 0 }).trimEnd()}`);
  }
  return `${parts.join('\n')}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = renderSingleFile();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(SINGLE_FILE, 'utf8');
    } catch {
      /* missing: stale */
    }
    if (current !== text) {
      console.error(`${SINGLE_FILE} is stale: run make deploy-manifest`);
      process.exit(1);
    }
    console.log(`${SINGLE_FILE} is current`);
  } else {
    writeFileSync(SINGLE_FILE, text);
    console.log(`wrote ${SINGLE_FILE}`);
  }
}
