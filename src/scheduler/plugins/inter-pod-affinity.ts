// InterPodAffinity: required pod affinity and anti-affinity (the incoming pod's and the existing pods'), and
// preferred terms as a score. Counts per topology domain are built once at PreFilter, so Filter is a lookup.
import { labelSelectorMatches } from '../../api/selectors.js';
import type { NodeInfo } from '../node-info.js';
import type { AffinityTerm, PodInfo } from '../pod-info.js';
import { Action, MAX_NODE_SCORE, unresolvable, unschedulable, type Plugin, type Snapshot } from '../types.js';

export const EXISTING_ANTI_AFFINITY_REASON = "node(s) didn't satisfy existing pods anti-affinity rules";
export const AFFINITY_REASON = "node(s) didn't match pod affinity rules";
export const ANTI_AFFINITY_REASON = "node(s) didn't match pod anti-affinity rules";
const existingAnti = unschedulable(EXISTING_ANTI_AFFINITY_REASON);
const affinityRejected = unresolvable(AFFINITY_REASON);
const antiRejected = unschedulable(ANTI_AFFINITY_REASON);

/** topologyKey -> value -> count */
type Counts = Map<string, Map<string, number>>;

function bump(c: Counts, key: string, value: string, by: number): void {
  let m = c.get(key);
  if (!m) c.set(key, (m = new Map()));
  const n = (m.get(value) ?? 0) + by;
  if (n === 0) m.delete(value);
  else m.set(value, n);
}
const countAt = (c: Counts, key: string, value: string): number => c.get(key)?.get(value) ?? 0;

/** Does the term (owned by a pod in ownerNs, already resolved) select pod p? */
export function termMatches(term: AffinityTerm, p: PodInfo, snap: Snapshot | undefined): boolean {
  if (!term.namespaces.has(p.namespace)) {
    const sel = term.namespaceSelector;
    if (!sel) return false;
    const nsLabels = snap?.namespaceLabels(p.namespace) ?? {};
    if (!labelSelectorMatches(sel, nsLabels)) return false;
  }
  return labelSelectorMatches(term.selector, p.labels);
}

function matchesAll(terms: AffinityTerm[], p: PodInfo, snap: Snapshot | undefined): boolean {
  for (const t of terms) if (!termMatches(t, p, snap)) return false;
  return true;
}

interface FilterState {
  existingAnti: Counts;
  affinity: Counts;
  anti: Counts;
  snap: Snapshot;
}

const KEY = 'InterPodAffinity/filter';
const SCORE_KEY = 'InterPodAffinity/score';

/** Adds (sign 1) or removes (-1) one existing pod's contribution to the incoming pod's counts. */
function account(st: FilterState, pod: PodInfo, ep: PodInfo, node: NodeInfo, sign: number): void {
  const labels = node.labels;
  for (const t of ep.requiredAntiAffinity) {
    const v = labels[t.topologyKey];
    if (v !== undefined && termMatches(t, pod, st.snap)) bump(st.existingAnti, t.topologyKey, v, sign);
  }
  if (pod.requiredAffinity.length && matchesAll(pod.requiredAffinity, ep, st.snap)) {
    for (const t of pod.requiredAffinity) {
      const v = labels[t.topologyKey];
      if (v !== undefined) bump(st.affinity, t.topologyKey, v, sign);
    }
  }
  for (const t of pod.requiredAntiAffinity) {
    const v = labels[t.topologyKey];
    if (v !== undefined && termMatches(t, ep, st.snap)) bump(st.anti, t.topologyKey, v, sign);
  }
}

/** Pods a term may select: from the label index when it can say, else undefined (scan everything). */
function candidates(term: AffinityTerm, snap: Snapshot): PodInfo[] | undefined {
  const ml = term.selector.matchLabels;
  if (term.namespaceSelector || !ml) return undefined;
  const first = Object.keys(ml)[0];
  if (first === undefined) return undefined;
  const out: PodInfo[] = [];
  for (const ns of term.namespaces) for (const p of snap.podsWithLabel(ns, first, ml[first]!)) out.push(p);
  return out;
}

function everyPod(snap: Snapshot): PodInfo[] {
  const out: PodInfo[] = [];
  for (const n of snap.nodes) for (const p of n.pods.values()) out.push(p);
  return out;
}

/** The incoming pod's own required terms, counted per topology domain over the pods they may select. */
function countOwnTerms(st: FilterState, pod: PodInfo, snap: Snapshot): void {
  let all: PodInfo[] | undefined;
  const pool = (t: AffinityTerm) => candidates(t, snap) ?? (all ??= everyPod(snap));
  if (pod.requiredAffinity.length) {
    for (const ep of pool(pod.requiredAffinity[0]!)) {
      const node = snap.get(ep.nodeName);
      if (!node || ep.uid === pod.uid || !matchesAll(pod.requiredAffinity, ep, snap)) continue;
      for (const t of pod.requiredAffinity) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined) bump(st.affinity, t.topologyKey, v, 1);
      }
    }
  }
  for (const t of pod.requiredAntiAffinity) {
    for (const ep of pool(t)) {
      const node = snap.get(ep.nodeName);
      if (!node || ep.uid === pod.uid) continue;
      const v = node.labels[t.topologyKey];
      if (v !== undefined && termMatches(t, ep, snap)) bump(st.anti, t.topologyKey, v, 1);
    }
  }
}

export function interPodAffinity(): Plugin {
  return {
    name: 'InterPodAffinity',
    events: () => [
      { resource: 'AssignedPod', actions: Action.All },
      { resource: 'Node', actions: Action.Add | Action.UpdateNodeLabel },
    ],
    preFilter(state, pod, snap) {
      const own = pod.requiredAffinity.length + pod.requiredAntiAffinity.length > 0;
      const st: FilterState = { existingAnti: new Map(), affinity: new Map(), anti: new Map(), snap };
      let anyExisting = false;
      // Existing pods' required anti-affinity against the incoming pod: only those whose terms may select it.
      for (const ep of snap.antiAffinityPodsSelecting(pod.namespace, pod.labels)) {
        const node = snap.get(ep.nodeName);
        if (!node || ep.uid === pod.uid) continue;
        anyExisting = true;
        for (const t of ep.requiredAntiAffinity) {
          const v = node.labels[t.topologyKey];
          if (v !== undefined && termMatches(t, pod, snap)) bump(st.existingAnti, t.topologyKey, v, 1);
        }
      }
      if (!own && !anyExisting) return 'skip';
      if (own) countOwnTerms(st, pod, snap);
      state.write(KEY, st);
      return null;
    },
    removePod(state, pod, victim, node) {
      const st = state.read<FilterState>(KEY);
      if (st) account(st, pod, victim, node, -1);
    },
    addPod(state, pod, added, node) {
      const st = state.read<FilterState>(KEY);
      if (st) account(st, pod, added, node, 1);
    },
    filter(state, pod, node) {
      const st = state.read<FilterState>(KEY);
      if (!st) return null;
      const labels = node.labels;
      for (const [key, values] of st.existingAnti) {
        const v = labels[key];
        if (v !== undefined && (values.get(v) ?? 0) > 0) return existingAnti;
      }
      if (pod.requiredAffinity.length) {
        let podsExist = true;
        for (const t of pod.requiredAffinity) {
          const v = labels[t.topologyKey];
          if (v === undefined) return affinityRejected;
          if (countAt(st.affinity, t.topologyKey, v) <= 0) podsExist = false;
        }
        // The first pod of a group that has affinity to itself may go anywhere with the topology labels.
        if (!podsExist && !(st.affinity.size === 0 && matchesAll(pod.requiredAffinity, pod, st.snap))) return affinityRejected;
      }
      for (const t of pod.requiredAntiAffinity) {
        const v = labels[t.topologyKey];
        if (v !== undefined && countAt(st.anti, t.topologyKey, v) > 0) return antiRejected;
      }
      return null;
    },
    preScore(state, pod, nodes, snap) {
      const prefers = pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0;
      const scores: Counts = new Map();
      let any = false;
      const visit = (ep: PodInfo, node: NodeInfo) => {
        const labels = node.labels;
        const add = (t: AffinityTerm, w: number, target: PodInfo) => {
          const v = labels[t.topologyKey];
          if (v !== undefined && termMatches(t, target, snap)) {
            bump(scores, t.topologyKey, v, w);
            any = true;
          }
        };
        for (const t of pod.preferredAffinity) add(t, t.weight, ep);
        for (const t of pod.preferredAntiAffinity) add(t, -t.weight, ep);
        for (const t of ep.preferredAffinity) add(t, t.weight, pod);
        for (const t of ep.preferredAntiAffinity) add(t, -t.weight, pod);
        // An existing pod's required affinity to the incoming pod counts with the hard-affinity weight (1).
        for (const t of ep.requiredAffinity) add(t, 1, pod);
      };
      if (prefers) for (const node of snap.nodes) for (const ep of node.pods.values()) visit(ep, node);
      else for (const node of snap.nodesWithAffinityPods()) for (const ep of node.podsWithAffinity) visit(ep, node);
      if (!any) return 'skip';
      state.write(SCORE_KEY, scores);
      void nodes;
      return null;
    },
    score(state, _pod, node) {
      const scores = state.read<Counts>(SCORE_KEY);
      if (!scores) return 0;
      let s = 0;
      for (const [key, values] of scores) {
        const v = node.labels[key];
        if (v !== undefined) s += values.get(v) ?? 0;
      }
      return s;
    },
    normalizeScore(_s, _p, scores, count) {
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < count; i++) {
        min = Math.min(min, scores[i]!);
        max = Math.max(max, scores[i]!);
      }
      const diff = max - min;
      for (let i = 0; i < count; i++) scores[i] = diff > 0 ? Math.floor((MAX_NODE_SCORE * (scores[i]! - min)) / diff) : 0;
    },
  };
}

