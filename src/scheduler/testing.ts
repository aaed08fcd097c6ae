// Builders for scheduler tests and benchmarks: nodes and pods as plain objects, and a cache holding them.
import type { KubeObject } from '../api/object.js';
import { SchedulerCache } from './cache.js';
import { newPodInfo, type PodInfo, type Taint } from './pod-info.js';

export interface NodeSpec {
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  extra?: Record<string, string>;
}

export function makeNode(name: string, o: NodeSpec = {}): KubeObject {
  const alloc = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: String(o.pods ?? 110), ...(o.extra ?? {}) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-${name}`, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { capacity: alloc, allocatable: alloc },
  };
}

export interface PodSpecOpts {
  namespace?: string;
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  priority?: number;
  /** Merged into spec as is (affinity, tolerations, topologySpreadConstraints...). */
  spec?: Record<string, unknown>;
  ports?: { hostPort: number; protocol?: string; hostIP?: string }[];
}

export function makePod(name: string, o: PodSpecOpts = {}): KubeObject {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', uid: `uid-${name}`, labels: o.labels ?? {}, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      containers: [{ name: 'c', image: 'x', resources: { requests }, ...(o.ports ? { ports: o.ports.map((p) => ({ containerPort: p.hostPort, ...p })) } : {}) }],
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.spec ?? {}),
    },
    status: { phase: 'Pending' },
  };
}

export const podInfo = (name: string, o: PodSpecOpts = {}): PodInfo => newPodInfo(makePod(name, o));

/** A cache with these nodes and bound pods (pods need nodeName). */
export function cacheOf(nodes: KubeObject[], pods: KubeObject[] = []): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) c.addOrUpdateNode(n);
  for (const p of pods) c.addOrUpdatePod(newPodInfo(p));
  return c;
}
