// PodTopologySpread: DoNotSchedule constraints filter (matching pods per domain may differ by at most maxSkew
// from the least loaded domain); ScheduleAnyway constraints score (fewer matching pods in the domain is better).
// Example: zones a=2, b=0 matching pods, maxSkew 1: a node in zone a gives skew 3-0=3 > 1, rejected.
import { firstUntolerated, labelSelectorMatches } from '../../api/selectors.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo, SpreadConstraint } from '../pod-info.js';
import { Action, MAX_NODE_SCORE, unresolvable, unschedulable, type Plugin, type Snapshot } from '../types.js';
import { requiredNodeAffinityMatches } from './node-affinity.js';

export const SPREAD_REASON = "node(s) didn't match pod topology spread constraints";
export const SPREAD_MISSING_LABEL_REASON = "node(s) didn't match pod topology spread constraints (missing required label)";
const skewRejected = unschedulable(SPREAD_REASON);
const missingLabel = unresolvable(SPREAD_MISSING_LABEL_REASON);
const hardTaint = (e: string) => e === 'NoSchedule' || e === 'NoExecute';

interface ConstraintState {
  c: SpreadConstraint;
  /** domain value -> matching pods; every eligible domain is present, with 0 when empty. */
  counts: Map<string, number>;
  min: number;
  selfMatch: number;
}

const KEY = 'PodTopologySpread/filter';
const SCORE_KEY = 'PodTopologySpread/score';

/** Does this node count as a domain for the pod's constraints (policies and required labels)? */
function eligible(pod: PodInfo, cs: readonly SpreadConstraint[], node: NodeInfo): boolean {
  for (const c of cs) if (node.labels[c.topologyKey] === undefined) return false;
  const c0 = cs[0];
  if (c0 && c0.nodeAffinityPolicy === 'Honor' && !requiredNodeAffinityMatches(pod, node)) return false;
  if (c0 && c0.nodeTaintsPolicy === 'Honor' && firstUntolerated(node.taints, pod.tolerations, hardTaint)) return false;
  return true;
}

function countMatching(pod: PodInfo, c: SpreadConstraint, node: NodeInfo): number {
  let n = 0;
  for (const p of node.pods.values()) {
    if (p.namespace === pod.namespace && !p.terminating && labelSelectorMatches(c.selector, p.labels)) n++;
  }
  return n;
}

/**
 * The fast path for the common shape (one constraint, matchLabels, no node filtering policy at work): domains
 * come from the node label index and counts from the pod label index, so the cost follows the matching pods,
 * not the cluster size. Returns false when the shape does not allow it.
 */
function countFromIndex(pod: PodInfo, states: ConstraintState[], snap: Snapshot): boolean {
  if (states.length !== 1) return false;
  const s = states[0]!;
  const c = s.c;
  const honorsAffinity = c.nodeAffinityPolicy === 'Honor' && (pod.nodeSelector || pod.requiredNodeTerms);
  const ml = c.selector.matchLabels;
  const first = ml ? Object.keys(ml)[0] : undefined;
  if (honorsAffinity || c.nodeTaintsPolicy === 'Honor' || first === undefined) return false;
  for (const v of snap.labelDomains(c.topologyKey).keys()) s.counts.set(v, 0);
  for (const p of snap.podsWithLabel(pod.namespace, first, ml![first]!)) {
    if (p.terminating || !labelSelectorMatches(c.selector, p.labels)) continue;
    const v = snap.get(p.nodeName)?.labels[c.topologyKey];
    if (v !== undefined) s.counts.set(v, (s.counts.get(v) ?? 0) + 1);
  }
  return true;
}

function recomputeMin(s: ConstraintState): void {
  let min = Infinity;
  for (const v of s.counts.values()) if (v < min) min = v;
  // Fewer domains than minDomains: the global minimum is treated as 0.
  s.min = s.counts.size < s.c.minDomains || min === Infinity ? 0 : min;
}

function adjust(states: ConstraintState[] | undefined, pod: PodInfo, other: PodInfo, node: NodeInfo, sign: number): void {
  if (!states || other.namespace !== pod.namespace) return;
  const cs = states.map((s) => s.c);
  if (!eligible(pod, cs, node)) return;
  for (const s of states) {
    if (!labelSelectorMatches(s.c.selector, other.labels)) continue;
    const v = node.labels[s.c.topologyKey]!;
    s.counts.set(v, (s.counts.get(v) ?? 0) + sign);
    recomputeMin(s);
  }
}

export function podTopologySpread(): Plugin {
  return {
    name: 'PodTopologySpread',
    events: () => [
      { resource: 'AssignedPod', actions: Action.Add | Action.UpdatePodLabel | Action.Delete },
      { resource: 'Node', actions: Action.Add | Action.Delete | Action.UpdateNodeLabel | Action.UpdateNodeTaint },
    ],
    preFilter(state, pod, snap) {
      const hard = pod.spread.filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
      if (hard.length === 0) return 'skip';
      const states: ConstraintState[] = hard.map((c) => ({
        c,
        counts: new Map(),
        min: 0,
        selfMatch: labelSelectorMatches(c.selector, pod.labels) ? 1 : 0,
      }));
      if (!countFromIndex(pod, states, snap)) {
        for (const node of snap.nodes) {
          if (!eligible(pod, hard, node)) continue;
          for (const s of states) {
            const v = node.labels[s.c.topologyKey]!;
            s.counts.set(v, (s.counts.get(v) ?? 0) + countMatching(pod, s.c, node));
          }
        }
      }
      for (const s of states) recomputeMin(s);
      state.write(KEY, states);
      return null;
    },
    removePod: (state, pod, victim, node) => adjust(state.read<ConstraintState[]>(KEY), pod, victim, node, -1),
    addPod: (state, pod, added, node) => adjust(state.read<ConstraintState[]>(KEY), pod, added, node, 1),
    filter(state, _pod, node) {
      const states = state.read<ConstraintState[]>(KEY);
      if (!states) return null;
      for (const s of states) {
        const v = node.labels[s.c.topologyKey];
        if (v === undefined) return missingLabel;
        const skew = (s.counts.get(v) ?? 0) + s.selfMatch - s.min;
        if (skew > s.c.maxSkew) return skewRejected;
      }
      return null;
    },
    preScore(state, pod, _nodes, snap) {
      const soft = pod.spread.filter((c) => c.whenUnsatisfiable === 'ScheduleAnyway');
      if (soft.length === 0) return 'skip';
      const counts = soft.map(() => new Map<string, number>());
      for (const node of snap.nodes) {
        if (!eligible(pod, soft, node)) continue;
        soft.forEach((c, i) => {
          const v = node.labels[c.topologyKey]!;
          counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + countMatching(pod, c, node));
        });
      }
      const weights = counts.map((m) => Math.log(m.size + 2));
      state.write(SCORE_KEY, { soft, counts, weights });
      return null;
    },
    score(state, _pod, node) {
      const st = state.read<{ soft: SpreadConstraint[]; counts: Map<string, number>[]; weights: number[] }>(SCORE_KEY);
      if (!st) return 0;
      let s = 0;
      for (let i = 0; i < st.soft.length; i++) {
        const c = st.soft[i]!;
        const v = node.labels[c.topologyKey];
        if (v === undefined) return -1; // invalid: normalized to 0
        s += (st.counts[i]!.get(v) ?? 0) * st.weights[i]! + (c.maxSkew - 1);
      }
      return Math.round(s);
    },
    normalizeScore(_s, _p, scores, count) {
      let min = Infinity;
      let max = 0;
      for (let i = 0; i < count; i++) {
        const s = scores[i]!;
        if (s < 0) continue;
        if (s < min) min = s;
        if (s > max) max = s;
      }
      for (let i = 0; i < count; i++) {
        const s = scores[i]!;
        if (s < 0) scores[i] = 0;
        else if (max === 0) scores[i] = MAX_NODE_SCORE;
        else scores[i] = Math.floor((MAX_NODE_SCORE * (max + min - s)) / max);
      }
    },
  };
}
