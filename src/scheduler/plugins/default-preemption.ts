// DefaultPreemption (PostFilter): when nothing fits, find a node where removing lower-priority pods makes room,
// evicting as few and as unimportant pods as possible and preferring not to break PodDisruptionBudgets.
// It only decides; the scheduler deletes the victims and writes status.nominatedNodeName.
import { reasonHistogram } from '../fit-error.js';
import { labelSelectorMatches } from '../../api/selectors.js';
import type { NodeInfo } from '../node-info.js';
import type { LabelSelector, PodInfo } from '../pod-info.js';
import { unresolvable, type CycleState, type Plugin, type PostFilterContext, type Status } from '../types.js';

export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_VICTIMS = 'No preemption victims found for incoming pod';

/** What preemption needs to know of a PodDisruptionBudget. */
export interface PdbInfo {
  namespace: string;
  selector: LabelSelector | undefined;
  disruptionsAllowed: number;
}

export interface PreemptionDeps {
  pdbs?: () => readonly PdbInfo[];
  random?: () => number;
}

interface Candidate {
  node: string;
  victims: PodInfo[];
  violating: number;
}

/** More important first: higher priority, then the one that started earlier. */
export function moreImportant(a: PodInfo, b: PodInfo): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.startMs - b.startMs;
}

function splitByPdb(victims: PodInfo[], pdbs: readonly PdbInfo[]): { violating: PodInfo[]; ok: PodInfo[] } {
  const allowed = pdbs.map((p) => p.disruptionsAllowed);
  const violating: PodInfo[] = [];
  const ok: PodInfo[] = [];
  for (const v of victims) {
    let breaks = false;
    pdbs.forEach((pdb, i) => {
      // An empty or missing selector matches nothing for a PDB.
      if (pdb.namespace !== v.namespace || !pdb.selector || Object.keys(pdb.selector).length === 0) return;
      if (!labelSelectorMatches(pdb.selector, v.labels)) return;
      allowed[i]!--;
      if (allowed[i]! < 0) breaks = true;
    });
    (breaks ? violating : ok).push(v);
  }
  return { violating, ok };
}

function selectVictims(
  state: CycleState,
  pod: PodInfo,
  original: NodeInfo,
  ctx: PostFilterContext,
  pdbs: readonly PdbInfo[],
): Candidate | Status {
  const node = original.clone();
  const potential = [...node.pods.values()].filter((p) => p.priority < pod.priority);
  if (potential.length === 0) return unresolvable(NO_VICTIMS);
  for (const v of potential) {
    node.removePod(v.key);
    ctx.removePod(state, pod, v, node);
  }
  const first = ctx.runFilters(state, pod, node);
  if (first) return first;
  potential.sort(moreImportant);
  const { violating, ok } = splitByPdb(potential, pdbs);
  const victims: PodInfo[] = [];
  let numViolating = 0;
  // Give back as many pods as still leave room, most important first, budget-breaking ones first.
  const reprieve = (v: PodInfo, breaks: boolean) => {
    node.addPod(v);
    ctx.addPod(state, pod, v, node);
    if (ctx.runFilters(state, pod, node)) {
      node.removePod(v.key);
      ctx.removePod(state, pod, v, node);
      victims.push(v);
      if (breaks) numViolating++;
    }
  };
  for (const v of violating) reprieve(v, true);
  for (const v of ok) reprieve(v, false);
  victims.sort(moreImportant);
  return { node: original.name, victims, violating: numViolating };
}

/** kube-scheduler's candidate order: fewest PDB violations, lowest top victim priority, lowest sum, fewest. */
export function pickCandidate(cands: Candidate[]): Candidate | undefined {
  const key = (c: Candidate) => {
    const top = c.victims[0];
    const topPriority = top ? top.priority : -Infinity;
    const sum = c.victims.reduce((s, v) => s + v.priority + 2 ** 31, 0);
    // Among the top-priority victims, the earliest start; a later one is preferred (less work lost).
    const earliest = Math.min(...c.victims.filter((v) => v.priority === topPriority).map((v) => v.startMs));
    return [c.violating, topPriority, sum, c.victims.length, -earliest];
  };
  let best: Candidate | undefined;
  let bestKey: number[] = [];
  for (const c of cands) {
    const k = key(c);
    if (!best || lexLess(k, bestKey)) {
      best = c;
      bestKey = k;
    }
  }
  return best;
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

export function defaultPreemption(deps: PreemptionDeps = {}): Plugin {
  const random = deps.random ?? Math.random;
  return {
    name: 'DefaultPreemption',
    postFilter(_state, pod, failed, ctx) {
      if (pod.preemptionPolicy === 'Never') return { message: 'preemption: not eligible due to preemptionPolicy=Never.' };
      const nominated = String((pod.pod.status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName ?? '');
      if (nominated) {
        const n = ctx.snap.get(nominated);
        if (n && [...n.pods.values()].some((p) => p.terminating && p.priority < pod.priority)) {
          return { message: 'preemption: not eligible due to a terminating pod on the nominated node.' };
        }
      }
      const statuses = new Map<string, Status>();
      const potential: NodeInfo[] = [];
      const notHelpful = unresolvable(NOT_HELPFUL);
      for (const node of ctx.snap.nodes) {
        const s = failed.get(node.name);
        if (!s || s.code === 'UnschedulableAndUnresolvable') statuses.set(node.name, notHelpful);
        else potential.push(node);
      }
      const pdbs = deps.pdbs?.() ?? [];
      const cands: Candidate[] = [];
      if (potential.length) {
        const want = Math.min(potential.length, Math.max(100, Math.floor(potential.length / 10)));
        const offset = Math.floor(random() * potential.length);
        for (let i = 0; i < potential.length && cands.length < want; i++) {
          const node = potential[(offset + i) % potential.length]!;
          const st = ctx.freshState(pod);
          const r = selectVictims(st, pod, node, ctx, pdbs);
          if ('victims' in r) cands.push(r);
          else statuses.set(node.name, r);
        }
      }
      const best = pickCandidate(cands);
      if (best) return { nominatedNode: best.node, victims: best.victims };
      return { message: `preemption: 0/${ctx.snap.nodes.length} nodes are available: ${reasonHistogram(statuses.values())}.` };
    },
  };
}
