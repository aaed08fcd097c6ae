// The Node and Lease objects a simulated node registers and renews, and its address plan:
//   node i: InternalIP 172.16.0.0/12 + i + 1, podCIDR 10.(128 + i/256).(i%256).0/24 (room for 32768 nodes,
//   clear of the usual 10.96.0.0/12 service range).
import type { NodeCondition } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/object.js';
import { microTime, rfc3339, type Node } from './types.js';

export const SIM_KUBELET_VERSION = 'v1.33.0-tugboat.sim';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export function nodeIP(i: number): string {
  const n = i + 1;
  return `172.${16 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255}`;
}

export function podCIDR(i: number): string {
  return `10.${128 + ((i >> 8) & 127)}.${i & 255}.0/24`;
}

/** The n-th pod address of a node's /24 (n from 0; .0 and .1 are kept for the network and a gateway). */
export function podIPAt(i: number, n: number): string {
  const base = podCIDR(i).split('.').slice(0, 3).join('.');
  return `${base}.${n + 2}`;
}
export const PODS_PER_RANGE = 253;

const CONDITION_TEXT: [type: string, status: 'True' | 'False', reason: string, message: string][] = [
  ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
];

/** A healthy kubelet's conditions, heartbeat now; transitions keep their time when the status did not change. */
export function healthyConditions(old: readonly NodeCondition[] | undefined, now: Date): NodeCondition[] {
  const t = rfc3339(now);
  return CONDITION_TEXT.map(([type, status, reason, message]) => {
    const prev = old?.find((c) => c.type === type);
    return { type, status, reason, message, lastHeartbeatTime: t, lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : t };
  });
}

export interface NodeShape {
  name: string;
  index: number;
  capacity: Record<string, string>;
  labels?: Record<string, string>;
  taints?: NonNullable<Node['spec']>['taints'];
}

export function buildNode(s: NodeShape, now: Date): Node {
  const ip = nodeIP(s.index);
  const cidr = podCIDR(s.index);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: s.name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': s.name,
        'kubernetes.io/os': 'linux',
        type: 'sim',
        ...s.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'sim.tugboat.dev/node': 'true' },
    },
    spec: { podCIDR: cidr, podCIDRs: [cidr], ...(s.taints?.length ? { taints: s.taints } : {}) },
    status: nodeStatus(s, now, undefined),
  };
}

export function nodeStatus(s: NodeShape, now: Date, old: Node['status']): NonNullable<Node['status']> {
  const id = s.name.padEnd(8, '0');
  return {
    capacity: { ...s.capacity },
    allocatable: { ...s.capacity },
    addresses: [
      { type: 'InternalIP', address: nodeIP(s.index) },
      { type: 'Hostname', address: s.name },
    ],
    conditions: healthyConditions(old?.conditions, now),
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      architecture: 'amd64',
      bootID: id,
      containerRuntimeVersion: 'sim://1.0.0',
      kernelVersion: '6.1.0-sim',
      kubeProxyVersion: SIM_KUBELET_VERSION,
      kubeletVersion: SIM_KUBELET_VERSION,
      machineID: id,
      operatingSystem: 'linux',
      osImage: 'Tugboat simulated node',
      systemUUID: id,
    },
    phase: 'Running',
  };
}

export function buildLease(node: Node, leaseDurationSeconds: number, now: Date): KubeObject {
  const name = node.metadata?.name ?? '';
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: NODE_LEASE_NAMESPACE,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata?.uid ?? '' }],
    },
    spec: { holderIdentity: name, leaseDurationSeconds, renewTime: microTime(now) },
  };
}
