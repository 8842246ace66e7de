// Shared pieces of the Kubernetes tests: a KubeConfig pointing at a fake API server, pod
// objects, kubelet-like cgroup trees in temp directories, and a bounded wait.
import { KubeConfig } from '@kubernetes/client-node';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { podCgroupPath, type CgroupDriver, type QosClass } from '../pod-cgroup.js';
import type { FakeObject } from './fake-apiserver.js';

export function kubeConfigFor(serverUrl: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: serverUrl, skipTLSVerify: true }],
    users: [{ name: 'agent', token: 'test-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'agent' }],
    currentContext: 'fake',
  });
  return kc;
}

export interface PodSpecInput {
  namespace?: string;
  name: string;
  uid: string;
  nodeName?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  qosClass?: QosClass;
  phase?: string;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
}

export function makePod(p: PodSpecInput): FakeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace ?? 'default',
      uid: p.uid,
      ...(p.labels ? { labels: p.labels } : {}),
      ...(p.annotations ? { annotations: p.annotations } : {}),
      ...(p.ownerReferences ? { ownerReferences: p.ownerReferences } : {}),
    },
    spec: { nodeName: p.nodeName ?? 'node-a', containers: [{ name: 'main', image: 'busybox' }] },
    status: { phase: p.phase ?? 'Running', qosClass: p.qosClass ?? 'Burstable' },
  };
}

export function makePolicy(namespace: string, name: string, spec: Record<string, unknown>): FakeObject {
  return { apiVersion: 'scx-slo.io/v1alpha1', kind: 'SLOPolicy', metadata: { name, namespace }, spec };
}

/** A temp directory standing in for /sys/fs/cgroup. */
export class CgroupTree {
  readonly root = mkdtempSync(join(tmpdir(), 'scx-slo-cg-'));

  /** Creates the pod's cgroup as the kubelet would; returns its id (the inode number). */
  addPod(uid: string, qos: QosClass = 'Burstable', driver: CgroupDriver = 'systemd', kubeletCgroupRoot?: string): number {
    return this.add(podCgroupPath(driver, qos, uid, kubeletCgroupRoot));
  }

  add(relPath: string): number {
    const dir = join(this.root, relPath);
    mkdirSync(dir, { recursive: true });
    return Number(statSync(dir, { bigint: true }).ino);
  }

  remove(relPath: string): void {
    rmSync(join(this.root, relPath), { recursive: true, force: true });
  }

  removePod(uid: string, qos: QosClass = 'Burstable', driver: CgroupDriver = 'systemd'): void {
    this.remove(podCgroupPath(driver, qos, uid));
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Polls `check` every 10 ms until it returns true; throws after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A logger that keeps what it is told, for assertions and quiet test output. */
export class MemoryLog {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(`info ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
}

/** The fields of a core/v1 Event these tests read. */
export interface KubeEvent {
  reason: string;
  type: string;
  message: string;
  metadata: { name: string; namespace: string };
  involvedObject: Record<string, string>;
  source: { component?: string; host?: string };
  firstTimestamp: string;
  [field: string]: unknown;
}
