// Which nodes a DaemonSet runs on (Kubernetes' NodeShouldRunDaemonPod), and the pods it makes for them: the
// template plus the tolerations every daemon gets, pinned to its node by a node affinity term on metadata.name so
// the scheduler places it (and honours everything else: resources, ports, taints).
import type { Affinity, NodeSelectorTerm, PodSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { nodeSelectorMatches, untoleratedTaints } from '../../api/selectors.js';
import type { Pod } from '../common/types.js';
import type { Node } from './types.js';

const exists = (key: string, effect: string): Toleration => ({ key, operator: 'Exists', effect });

/**
 * Daemons keep running through node trouble (not-ready, unreachable: NoExecute, no time limit) and are placed
 * despite pressure and cordoning (NoSchedule). Host-network daemons also tolerate an unready network.
 */
export function daemonTolerations(spec: PodSpec | undefined): Toleration[] {
  const extra = [
    exists('node.kubernetes.io/not-ready', 'NoExecute'),
    exists('node.kubernetes.io/unreachable', 'NoExecute'),
    exists('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/unschedulable', 'NoSchedule'),
  ];
  if (spec?.hostNetwork) extra.push(exists('node.kubernetes.io/network-unavailable', 'NoSchedule'));
  const out = [...(spec?.tolerations ?? [])];
  // Add or update by key and effect, as Kubernetes' AddOrUpdateTolerationInPodSpec.
  for (const t of extra) {
    const i = out.findIndex((o) => o.key === t.key && o.effect === t.effect);
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

/** The affinity with every required term's matchFields replaced by metadata.name In [node]. */
export function pinToNode(affinity: Affinity | undefined, node: string): Affinity {
  const pin = [{ key: 'metadata.name', operator: 'In', values: [node] }];
  const a = structuredClone(affinity ?? {});
  const na = (a.nodeAffinity ??= {});
  const req = na.requiredDuringSchedulingIgnoredDuringExecution;
  const terms: NodeSelectorTerm[] = req?.nodeSelectorTerms?.length ? req.nodeSelectorTerms.map((t) => ({ ...t, matchFields: pin })) : [{ matchFields: pin }];
  na.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: terms };
  return a;
}

/** The node a daemon pod is for: its nodeName, else the node its affinity pins it to. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const t of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    const f = t.matchFields?.find((r) => r.key === 'metadata.name' && r.operator === 'In' && r.values?.length === 1);
    if (f) return f.values![0];
  }
  return undefined;
}

export interface Eligibility {
  /** A daemon pod should be created here. */
  shouldRun: boolean;
  /** A daemon pod already here may stay (a NoSchedule taint it does not tolerate keeps new ones away, not old ones). */
  shouldContinueRunning: boolean;
}

export function nodeShouldRunDaemon(spec: PodSpec | undefined, node: Node): Eligibility {
  const no = { shouldRun: false, shouldContinueRunning: false };
  const name = node.metadata?.name ?? '';
  if (spec?.nodeName && spec.nodeName !== name) return no;
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labels[k] !== v) return no;
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !nodeSelectorMatches(required, name, labels)) return no;
  const tolerations = daemonTolerations(spec);
  if (untoleratedTaints(node.spec?.taints, tolerations, ['NoSchedule', 'NoExecute']).length === 0) return { shouldRun: true, shouldContinueRunning: true };
  return { shouldRun: false, shouldContinueRunning: untoleratedTaints(node.spec?.taints, tolerations, ['NoExecute']).length === 0 };
}
