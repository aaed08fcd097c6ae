// Kubernetes' wording for a pod that fits nowhere (framework.FitError): a histogram of per-node reasons,
// "<count> <reason>" sorted as strings and joined with ", ", then the PostFilter (preemption) message.
//   0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: },
//   2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.
import type { Status } from './types.js';

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

export interface FitError {
  numAllNodes: number;
  /** The status of every node that was rejected. */
  nodeToStatus: Map<string, Status>;
  /** Set when a PreFilter rejected the pod for every node at once. */
  preFilterMsg?: string;
  postFilterMsg?: string;
  /** Plugins that rejected the pod: only their cluster events retry it. */
  unschedulablePlugins: Set<string>;
}

/** "3 Insufficient cpu, 1 node(s) were unschedulable" style histogram, sorted as kube-scheduler sorts it. */
export function reasonHistogram(statuses: Iterable<Status>): string {
  const counts = new Map<string, number>();
  for (const s of statuses) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([r, n]) => `${n} ${r}`);
  // Go's sort.Strings: plain byte order, so "10 x" sorts before "2 y".
  parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return parts.join(', ');
}

export function fitErrorMessage(e: FitError): string {
  let msg = `0/${e.numAllNodes} nodes are available:`;
  if (e.preFilterMsg) msg += ` ${e.preFilterMsg}.`;
  else {
    const h = reasonHistogram(e.nodeToStatus.values());
    if (h) msg += ` ${h}.`;
  }
  // The PostFilter message carries its own final period.
  if (e.postFilterMsg) msg += ` ${e.postFilterMsg}`;
  return msg;
}
