// NodeAffinity: spec.nodeSelector and required node affinity filter; preferred terms add their weights to
// the score. A required term listing node names in matchFields narrows the nodes at PreFilter.
import { nodeSelectorTermMatches, nodeSelectorTermsMatch } from '../../api/selectors.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { Action, MAX_NODE_SCORE, unresolvable, type Plugin } from '../types.js';
import { defaultNormalize } from './normalize.js';

export const NODE_AFFINITY_REASON = "node(s) didn't match Pod's node affinity/selector";
const rejected = unresolvable(NODE_AFFINITY_REASON);

/** The required part alone (also used by PodTopologySpread's nodeAffinityPolicy: Honor). */
export function requiredNodeAffinityMatches(pod: PodInfo, node: NodeInfo): boolean {
  const sel = pod.nodeSelector;
  if (sel) for (const k in sel) if (node.labels[k] !== sel[k]) return false;
  const terms = pod.requiredNodeTerms;
  if (terms && !nodeSelectorTermsMatch(terms, node.name, node.labels)) return false;
  return true;
}

/** Node names every required term pins (metadata.name In), or undefined when some term does not pin. */
function pinnedNames(pod: PodInfo): Set<string> | undefined {
  const terms = pod.requiredNodeTerms;
  if (!terms || terms.length === 0) return undefined;
  const names = new Set<string>();
  for (const t of terms) {
    const f = (t.matchFields ?? []).find((r) => r.key === 'metadata.name' && r.operator === 'In');
    if (!f) return undefined;
    for (const v of f.values ?? []) names.add(v);
  }
  return names;
}

export function nodeAffinity(): Plugin {
  return {
    name: 'NodeAffinity',
    events: () => [{ resource: 'Node', actions: Action.Add | Action.UpdateNodeLabel }],
    preFilter(_s, pod) {
      if (!pod.nodeSelector && !pod.requiredNodeTerms) return 'skip';
      const names = pinnedNames(pod);
      return names ? { nodeNames: names, excluded: rejected } : null;
    },
    filter: (_s, pod, node) => (requiredNodeAffinityMatches(pod, node) ? null : rejected),
    preScore: (_s, pod) => (pod.preferredNodeTerms.length === 0 ? 'skip' : null),
    score(_s, pod, node) {
      let sum = 0;
      for (const p of pod.preferredNodeTerms) {
        if (p.weight !== 0 && nodeSelectorTermMatches(p.preference ?? {}, node.name, node.labels)) sum += p.weight;
      }
      return sum;
    },
    normalizeScore: (_s, _p, scores, count) => defaultNormalize(MAX_NODE_SCORE, false, scores, count),
  };
}
