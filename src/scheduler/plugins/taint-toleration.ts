// TaintToleration: NoSchedule/NoExecute taints must be tolerated; untolerated PreferNoSchedule taints lower the
// score (fewer is better).
import { firstUntolerated, toleratesTaint } from '../../api/selectors.js';
import { Action, MAX_NODE_SCORE, unresolvable, type Plugin } from '../types.js';
import { defaultNormalize } from './normalize.js';

const hard = (e: string) => e === 'NoSchedule' || e === 'NoExecute';

export const taintReason = (key: string, value: string | undefined) => `node(s) had untolerated taint {${key}: ${value ?? ''}}`;

export function taintToleration(): Plugin {
  return {
    name: 'TaintToleration',
    events: () => [
      { resource: 'Node', actions: Action.Add | Action.UpdateNodeTaint },
      { resource: 'UnscheduledPod', actions: Action.UpdatePodToleration },
    ],
    filter(_s, pod, node) {
      if (node.taints.length === 0) return null;
      const t = firstUntolerated(node.taints, pod.tolerations, hard);
      return t ? unresolvable(taintReason(t.key, t.value)) : null;
    },
    score(_s, pod, node) {
      let n = 0;
      for (const t of node.taints) if (t.effect === 'PreferNoSchedule' && !toleratesTaint(pod.tolerations, t)) n++;
      return n;
    },
    normalizeScore: (_s, _p, scores, count) => defaultNormalize(MAX_NODE_SCORE, true, scores, count),
  };
}
