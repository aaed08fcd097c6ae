// The Node this agent registers (capacity from the machine, addresses, system info, conditions) and its Lease in
// kube-node-lease, renewed every 10 s as kubelet does.
import type { ContainerImage, Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import { cpus, hostname, networkInterfaces, totalmem, release, arch } from 'node:os';
import { readFileSync } from 'node:fs';

export const KUBELET_VERSION = 'v1.33.0-tugboat';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const MAX_PODS = 110;

export function rfc3339(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

export function microTime(d: Date): string {
  return `${d.toISOString().slice(0, 23)}000Z`;
}

/** The first non-internal IPv4 address of the machine, else 127.0.0.1. */
export function machineIP(): string {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

function machineId(): string {
  try {
    return readFileSync('/etc/machine-id', 'utf8').trim();
  } catch {
    return hostname();
  }
}

function osImage(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

const CONDITIONS: [type: string, ok: string, reason: string, message: string][] = [
  ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
];

export function nodeConditions(old: readonly NodeCondition[] | undefined, now: Date, ready: boolean): NodeCondition[] {
  const t = rfc3339(now);
  return CONDITIONS.map(([type, ok, reason, message]) => {
    const status = type === 'Ready' && !ready ? 'False' : ok;
    const why = type === 'Ready' && !ready ? 'KubeletNotReady' : reason;
    const msg = type === 'Ready' && !ready ? 'container runtime is not ready' : message;
    const prev = old?.find((c) => c.type === type);
    return { type, status, reason: why, message: msg, lastHeartbeatTime: t, lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : t };
  });
}

export interface NodeShape {
  name: string;
  ip: string;
  podCidr: string;
  runtimeVersion: string;
  /** Where the agent serves logs/exec/attach/port-forward (default 10250). */
  kubeletPort?: number;
  labels?: Record<string, string>;
}

/** kubelet's --node-status-max-images default (-1: no cap). */
export const NODE_STATUS_MAX_IMAGES = 50;
/** kubelet reports at most this many names of one image (MaxNamesPerImageInNodeStatus). */
export const MAX_NAMES_PER_IMAGE = 5;

/** What status.images needs of an image in the node's store. */
export interface StoredImage {
  id: string;
  /** name:tag */
  repoTags: readonly string[];
  /** name@sha256:... */
  repoDigests: readonly string[];
  size: number;
}

/**
 * status.images as kubelet writes it: largest first, at most `max`, each named by its digests then its tags (at
 * most 5 names). Ties in size go by ID so the list does not reorder (and cause a write) between two reports. The
 * same image from two runtimes sharing one store is reported once.
 */
export function nodeImages(images: readonly StoredImage[], max = NODE_STATUS_MAX_IMAGES): ContainerImage[] {
  const byId = new Map<string, StoredImage>();
  for (const i of images) {
    const seen = byId.get(i.id);
    byId.set(i.id, seen ? { ...seen, repoTags: [...new Set([...seen.repoTags, ...i.repoTags])], repoDigests: [...new Set([...seen.repoDigests, ...i.repoDigests])] } : i);
  }
  const sorted = [...byId.values()].sort((a, b) => b.size - a.size || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sorted.slice(0, max < 0 ? undefined : max).map((i) => ({
    names: [...i.repoDigests, ...i.repoTags].slice(0, MAX_NAMES_PER_IMAGE),
    sizeBytes: i.size,
  }));
}

export function nodeStatus(s: NodeShape, now: Date, old: Node['status'], ready: boolean): NonNullable<Node['status']> {
  const cap = { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: String(MAX_PODS), 'ephemeral-storage': '100Gi' };
  const id = machineId();
  return {
    capacity: cap,
    allocatable: { ...cap },
    addresses: [
      { type: 'InternalIP', address: s.ip },
      { type: 'Hostname', address: s.name },
    ],
    conditions: nodeConditions(old?.conditions, now, ready),
    daemonEndpoints: { kubeletEndpoint: { Port: s.kubeletPort ?? 10250 } },
    nodeInfo: {
      machineID: id,
      systemUUID: id,
      bootID: (() => {
        try {
          return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
        } catch {
          return id;
        }
      })(),
      kernelVersion: release(),
      osImage: osImage(),
      containerRuntimeVersion: s.runtimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: arch() === 'x64' ? 'amd64' : arch(),
    },
  };
}

export function buildNode(s: NodeShape, now: Date): Node {
  const goArch = arch() === 'x64' ? 'amd64' : arch();
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: s.name,
      labels: {
        'beta.kubernetes.io/arch': goArch,
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': goArch,
        'kubernetes.io/hostname': s.name,
        'kubernetes.io/os': 'linux',
        ...s.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { podCIDR: s.podCidr, podCIDRs: [s.podCidr] },
    status: nodeStatus(s, now, undefined, true),
  };
}
