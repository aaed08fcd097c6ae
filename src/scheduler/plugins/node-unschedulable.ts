// NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods tolerating
// node.kubernetes.io/unschedulable:NoSchedule.
import { toleratesTaint } from '../../api/selectors.js';
import { Action, unresolvable, type Plugin } from '../types.js';

export const NODE_UNSCHEDULABLE_REASON = 'node(s) were unschedulable';
const rejected = unresolvable(NODE_UNSCHEDULABLE_REASON);
const cordonTaint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export function nodeUnschedulable(): Plugin {
  return {
    name: 'NodeUnschedulable',
    events: () => [
      { resource: 'Node', actions: Action.Add | Action.UpdateNodeTaint, hint: (_p, _o, n) => !(n as { spec?: { unschedulable?: boolean } })?.spec?.unschedulable },
      { resource: 'UnscheduledPod', actions: Action.UpdatePodToleration },
    ],
    filter(_s, pod, node) {
      if (!node.unschedulable) return null;
      return toleratesTaint(pod.tolerations, cordonTaint) ? null : rejected;
    },
  };
}
