// Where the kubelet puts a pod's cgroup, for both cgroup drivers and all QoS classes, and
// the pod's cgroup id found by probing those places under the cgroup root:
//
//   driver    QoS          pod cgroup (relative to the cgroup root)
//   systemd   Guaranteed   kubepods.slice/kubepods-pod<uid_>.slice
//   systemd   Burstable    kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice
//   systemd   BestEffort   kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid_>.slice
//   cgroupfs  Guaranteed   kubepods/pod<uid>
//   cgroupfs  Burstable    kubepods/burstable/pod<uid>
//   cgroupfs  BestEffort   kubepods/besteffort/pod<uid>
//
// <uid_> is the pod UID with "-" replaced by "_" (systemd uses "-" as the slice
// separator). A kubelet --cgroup-root other than "/" adds its components in front
// (cgroupfs "/kubelet" -> kubelet/kubepods/...; systemd "/kubelet.slice" ->
// kubelet.slice/kubelet-kubepods.slice/...). The QoS class comes from
// pod.status.qosClass, but every layout is probed (status may lag, the driver is not
// known), the stated class first. Static pods are also probed under the UID in their
// kubernetes.io/config.mirror annotation, which is the UID the kubelet uses for them, but
// only mirror pods the Node owns (an ownerReference of kind Node naming the pod's node,
// which the kubelet sets on every mirror pod it creates): anyone who can create a pod can
// write that annotation, and must not be able to point their SLO at another pod's cgroup.
import type { V1Pod } from '@kubernetes/client-node';
import { cgroupIdOf } from '../slo/cgroup-id.js';

export type CgroupDriver = 'systemd' | 'cgroupfs';
export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

export const CGROUP_DRIVERS: readonly CgroupDriver[] = ['systemd', 'cgroupfs'];
export const QOS_CLASSES: readonly QosClass[] = ['Burstable', 'BestEffort', 'Guaranteed'];
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export interface PodCgroupLayout {
  /** The kubelet's --cgroup-root ("/" by default; "/kubelet" or "/kubelet.slice" style). */
  kubeletCgroupRoot?: string;
  /** Drivers to probe, in order (default both, systemd first). */
  drivers?: readonly CgroupDriver[];
}

export interface ResolvedPodCgroup {
  cgroupId: number;
  /** Relative to the cgroup root. */
  cgroupPath: string;
}

/** The kubelet's cgroup root as name components, e.g. "/kubelet.slice" -> ["kubelet"]. */
function rootComponents(kubeletCgroupRoot: string | undefined): string[] {
  const parts = (kubeletCgroupRoot ?? '/').split('/').filter((p) => p !== '');
  const last = parts.at(-1);
  if (last !== undefined && last.endsWith('.slice')) return last.slice(0, -'.slice'.length).split('-').filter((p) => p !== '');
  return parts;
}

/** The pod cgroup path the kubelet uses with `driver` for a pod of class `qos` and `uid`. */
export function podCgroupPath(driver: CgroupDriver, qos: QosClass, uid: string, kubeletCgroupRoot?: string): string {
  const qosPart = qos === 'Guaranteed' ? [] : [qos.toLowerCase()];
  if (driver === 'cgroupfs') return [...rootComponents(kubeletCgroupRoot), 'kubepods', ...qosPart, `pod${uid}`].join('/');
  const components = [...rootComponents(kubeletCgroupRoot), 'kubepods', ...qosPart, `pod${uid.replaceAll('-', '_')}`];
  return components.map((_, i) => `${components.slice(0, i + 1).join('-')}.slice`).join('/');
}

function isQosClass(v: unknown): v is QosClass {
  return v === 'Guaranteed' || v === 'Burstable' || v === 'BestEffort';
}

/** Whether the pod is a mirror pod as the kubelet creates them: owned by its own Node. */
export function isOwnedByItsNode(pod: V1Pod): boolean {
  const node = pod.spec?.nodeName;
  return !!node && (pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Node' && o.apiVersion === 'v1' && o.name === node);
}

/** Every path to probe for a pod, most likely first, without duplicates. */
export function podCgroupCandidates(pod: V1Pod, layout: PodCgroupLayout = {}): string[] {
  const uids: string[] = [];
  const uid = pod.metadata?.uid;
  if (uid) uids.push(uid);
  const mirror = pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION];
  if (mirror && /^[0-9a-fA-F-]+$/.test(mirror) && mirror !== uid && isOwnedByItsNode(pod)) uids.push(mirror);
  const stated = pod.status?.qosClass;
  const classes = isQosClass(stated) ? [stated, ...QOS_CLASSES.filter((q) => q !== stated)] : [...QOS_CLASSES];
  const drivers = layout.drivers ?? CGROUP_DRIVERS;
  const out = new Set<string>();
  for (const u of uids) {
    for (const qos of classes) {
      for (const driver of drivers) out.add(podCgroupPath(driver, qos, u, layout.kubeletCgroupRoot));
    }
  }
  return [...out];
}

/**
 * The pod's cgroup under `cgroupRoot`, or undefined when it does not exist (yet: a pod
 * just scheduled, or no longer: a finished pod).
 */
export function resolvePodCgroup(cgroupRoot: string, pod: V1Pod, layout: PodCgroupLayout = {}): ResolvedPodCgroup | undefined {
  for (const cgroupPath of podCgroupCandidates(pod, layout)) {
    const cgroupId = cgroupIdOf(cgroupRoot, cgroupPath);
    if (cgroupId !== undefined) return { cgroupId, cgroupPath };
  }
  return undefined;
}
