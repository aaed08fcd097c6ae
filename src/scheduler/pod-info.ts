// Everything the plugins read from a pod, worked out once when the pod enters the scheduler (not per node).
import type { KubeObject } from '../api/object.js';
import type { LabelSelector, NodeSelectorTerm, Toleration } from '../api/selectors.js';
import { podRequests, type Resources } from './resources.js';

export type { LabelSelector, NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration } from '../api/selectors.js';

/** A pod (anti-)affinity term with its namespace rule resolved to a set or a selector. */
export interface AffinityTerm {
  selector: LabelSelector;
  topologyKey: string;
  /** Explicit namespaces; with no namespaceSelector and none listed, the pod's own namespace. */
  namespaces: Set<string>;
  /** namespaceSelector as given ({} selects every namespace). */
  namespaceSelector: LabelSelector | undefined;
  weight: number;
}

export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  selector: LabelSelector;
  minDomains: number;
  nodeAffinityPolicy: 'Honor' | 'Ignore';
  nodeTaintsPolicy: 'Honor' | 'Ignore';
}

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

export interface PodInfo {
  pod: KubeObject;
  key: string;
  uid: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  nodeName: string;
  priority: number;
  preemptionPolicy: string;
  schedulerName: string;
  requests: Resources;
  nonZeroMilliCpu: number;
  nonZeroMemory: number;
  hasRequests: boolean;
  hostPorts: HostPort[];
  nodeSelector: Record<string, string> | undefined;
  requiredNodeTerms: NodeSelectorTerm[] | undefined;
  preferredNodeTerms: { weight: number; preference: NodeSelectorTerm }[];
  tolerations: Toleration[];
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: AffinityTerm[];
  preferredAntiAffinity: AffinityTerm[];
  spread: SpreadConstraint[];
  terminating: boolean;
  /** Start time (or creation) in ms, for preemption's tie-breaks. */
  startMs: number;
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function affinityTerms(list: unknown, ns: string, weighted: boolean): AffinityTerm[] {
  return arr(list).map((raw) => {
    const w = rec(raw) ?? {};
    const t = weighted ? (rec(w.podAffinityTerm) ?? {}) : w;
    const namespaces = new Set(arr(t.namespaces).map(String));
    const nsSel = rec(t.namespaceSelector) as LabelSelector | undefined;
    if (namespaces.size === 0 && !nsSel) namespaces.add(ns);
    return {
      selector: (rec(t.labelSelector) ?? { matchExpressions: [{ key: '', operator: 'Never' }] }) as LabelSelector,
      topologyKey: String(t.topologyKey ?? ''),
      namespaces,
      namespaceSelector: nsSel,
      weight: weighted ? Number(w.weight ?? 1) : 1,
    };
  });
}

/** matchLabelKeys: the incoming pod's values for those keys join the selector (as kube-scheduler merges them). */
function withLabelKeys(sel: LabelSelector, keys: unknown, labels: Record<string, string>): LabelSelector {
  const extra = arr(keys)
    .map(String)
    .filter((k) => k in labels)
    .map((k) => ({ key: k, operator: 'In', values: [labels[k]!] }));
  return extra.length ? { ...sel, matchExpressions: [...(sel.matchExpressions ?? []), ...extra] } : sel;
}

/** Builds a PodInfo. priority: the resolved priority (spec.priority or from its PriorityClass). */
export function newPodInfo(pod: KubeObject, priority?: number): PodInfo {
  const spec = rec(pod.spec) ?? {};
  const meta = pod.metadata ?? {};
  const namespace = meta.namespace ?? 'default';
  const labels = meta.labels ?? {};
  const req = podRequests(spec);
  const r = req.requests;
  const hostPorts: HostPort[] = [];
  for (const c of arr(spec.containers)) {
    for (const p of arr(rec(c)?.ports)) {
      const pr = rec(p) ?? {};
      const port = Number(pr.hostPort ?? 0);
      if (port > 0) hostPorts.push({ ip: String(pr.hostIP || '0.0.0.0'), protocol: String(pr.protocol || 'TCP'), port });
    }
  }
  const aff = rec(spec.affinity) ?? {};
  const na = rec(aff.nodeAffinity) ?? {};
  const pa = rec(aff.podAffinity) ?? {};
  const paa = rec(aff.podAntiAffinity) ?? {};
  const required = rec(na.requiredDuringSchedulingIgnoredDuringExecution);
  const status = rec(pod.status) ?? {};
  const spread: SpreadConstraint[] = arr(spec.topologySpreadConstraints).map((raw) => {
    const c = rec(raw) ?? {};
    return {
      maxSkew: Number(c.maxSkew ?? 1),
      topologyKey: String(c.topologyKey ?? ''),
      whenUnsatisfiable: c.whenUnsatisfiable === 'ScheduleAnyway' ? 'ScheduleAnyway' : 'DoNotSchedule',
      selector: withLabelKeys((rec(c.labelSelector) ?? {}) as LabelSelector, c.matchLabelKeys, labels),
      minDomains: Number(c.minDomains ?? 1),
      nodeAffinityPolicy: c.nodeAffinityPolicy === 'Ignore' ? 'Ignore' : 'Honor',
      nodeTaintsPolicy: c.nodeTaintsPolicy === 'Honor' ? 'Honor' : 'Ignore',
    };
  });
  const start = Date.parse(String(status.startTime ?? meta.creationTimestamp ?? ''));
  return {
    pod,
    key: `${namespace}/${meta.name ?? ''}`,
    uid: meta.uid ?? '',
    namespace,
    name: meta.name ?? '',
    labels,
    nodeName: typeof spec.nodeName === 'string' ? spec.nodeName : '',
    priority: priority ?? (typeof spec.priority === 'number' ? spec.priority : 0),
    preemptionPolicy: String(spec.preemptionPolicy ?? 'PreemptLowerPriority'),
    schedulerName: String(spec.schedulerName || 'default-scheduler'),
    requests: r,
    nonZeroMilliCpu: req.nonZeroMilliCpu,
    nonZeroMemory: req.nonZeroMemory,
    hasRequests: r.milliCpu > 0 || r.memory > 0 || r.ephemeralStorage > 0 || (r.scalar?.size ?? 0) > 0,
    hostPorts,
    nodeSelector: rec(spec.nodeSelector) as Record<string, string> | undefined,
    requiredNodeTerms: required ? (arr(required.nodeSelectorTerms) as NodeSelectorTerm[]) : undefined,
    preferredNodeTerms: arr(na.preferredDuringSchedulingIgnoredDuringExecution) as { weight: number; preference: NodeSelectorTerm }[],
    tolerations: arr(spec.tolerations) as Toleration[],
    requiredAffinity: affinityTerms(pa.requiredDuringSchedulingIgnoredDuringExecution, namespace, false),
    requiredAntiAffinity: affinityTerms(paa.requiredDuringSchedulingIgnoredDuringExecution, namespace, false),
    preferredAffinity: affinityTerms(pa.preferredDuringSchedulingIgnoredDuringExecution, namespace, true),
    preferredAntiAffinity: affinityTerms(paa.preferredDuringSchedulingIgnoredDuringExecution, namespace, true),
    spread,
    terminating: !!meta.deletionTimestamp,
    startMs: Number.isNaN(start) ? 0 : start,
  };
}

export const hasPodAffinity = (p: PodInfo): boolean =>
  p.requiredAffinity.length + p.requiredAntiAffinity.length + p.preferredAffinity.length + p.preferredAntiAffinity.length > 0;
