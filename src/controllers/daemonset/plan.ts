// What a DaemonSet sync does, as pure decisions over nodes and the pods on them:
//   managePlan: create where a daemon should run and none is; delete failed pods, extras, and pods on nodes that
//     no longer qualify (or no longer exist).
//   rollingPlan: replace out-of-date pods within maxUnavailable (delete first) or maxSurge (create first, delete
//     the old pod once the new one is available), as Kubernetes' rollingUpdate.
import { isPodActive, isPodAvailable } from '../common/pod-util.js';
import { byCreation } from '../common/objects.js';
import type { Pod } from '../common/types.js';
import { REVISION_HASH_LABEL } from '../history/revision.js';
import { nodeShouldRunDaemon, type Eligibility } from './eligibility.js';
import type { DaemonSet, Node } from './types.js';

export interface DaemonPlan {
  /** Node names to create a pod on. */
  create: string[];
  delete: Pod[];
}

export interface PlanInput {
  ds: DaemonSet;
  nodes: readonly Node[];
  /** Claimed pods by target node (terminating ones included). */
  byNode: ReadonlyMap<string, Pod[]>;
  /** The hash of the current template's revision. */
  hash: string;
  now: Date;
}

export const isUpdated = (p: Pod, hash: string): boolean => p.metadata?.labels?.[REVISION_HASH_LABEL] === hash;
const alive = (p: Pod): boolean => !p.metadata?.deletionTimestamp;

export function eligibility(ds: DaemonSet, nodes: readonly Node[]): Map<string, Eligibility> {
  return new Map(nodes.map((n) => [n.metadata?.name ?? '', nodeShouldRunDaemon(ds.spec?.template?.spec, n)]));
}

/** An int or a percentage of total (rounded up, as the DaemonSet controller does). */
export function scaled(v: number | string | undefined, total: number): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (m) return Math.ceil((Number(m[1]) * total) / 100);
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

/** maxSurge and maxUnavailable for this many desired pods; both zero means one unavailable at a time. */
export function surgeAndUnavailable(ds: DaemonSet, desired: number): { surge: number; unavailable: number } {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  const surge = scaled(ru?.maxSurge, desired);
  const unavailable = scaled(ru?.maxUnavailable ?? 1, desired);
  return surge === 0 && unavailable === 0 ? { surge: 0, unavailable: 1 } : { surge, unavailable };
}

export function managePlan(i: PlanInput): DaemonPlan {
  const plan: DaemonPlan = { create: [], delete: [] };
  const elig = eligibility(i.ds, i.nodes);
  const surging = i.ds.spec?.updateStrategy?.type !== 'OnDelete' && surgeAndUnavailable(i.ds, elig.size).surge > 0;
  for (const [name, pods] of i.byNode) {
    if (!elig.has(name)) plan.delete.push(...pods.filter(alive)); // its node is gone
  }
  for (const [name, e] of elig) {
    const pods = i.byNode.get(name) ?? [];
    const live = pods.filter(alive);
    if (e.shouldRun && pods.length === 0) {
      plan.create.push(name);
      continue;
    }
    if (!e.shouldContinueRunning) {
      plan.delete.push(...live);
      continue;
    }
    // Failed pods go (a new one follows on the next sync); of several running, the oldest stays — when
    // surging, the oldest updated one and the oldest older one stay.
    const failed = live.filter((p) => !isPodActive(p));
    plan.delete.push(...failed);
    const running = live.filter(isPodActive).sort(byCreation);
    if (running.length <= 1) continue;
    const keep = new Set<Pod>();
    if (surging) {
      const nw = running.find((p) => isUpdated(p, i.hash));
      const old = running.find((p) => !isUpdated(p, i.hash));
      if (nw) keep.add(nw);
      if (old) keep.add(old);
    } else keep.add(running[0]!);
    plan.delete.push(...running.filter((p) => !keep.has(p)));
  }
  return plan;
}

/** On one node: the (oldest) updated pod and the (oldest) older pod; undefined when there are more than that. */
function podsOnNode(pods: readonly Pod[], hash: string): { nw?: Pod; old?: Pod } | undefined {
  let nw: Pod | undefined;
  let old: Pod | undefined;
  for (const p of [...pods].filter((x) => alive(x) && isPodActive(x)).sort(byCreation)) {
    if (isUpdated(p, hash)) {
      if (nw) return undefined;
      nw = p;
    } else {
      if (old) return undefined;
      old = p;
    }
  }
  return { nw, old };
}

export function rollingPlan(i: PlanInput): DaemonPlan {
  const plan: DaemonPlan = { create: [], delete: [] };
  const minReady = i.ds.spec?.minReadySeconds ?? 0;
  const available = (p: Pod) => isPodAvailable(p, minReady, i.now);
  const elig = eligibility(i.ds, i.nodes);
  const desired = [...elig.values()].filter((e) => e.shouldRun).length;
  const { surge, unavailable } = surgeAndUnavailable(i.ds, desired);
  const nodes = [...elig.entries()].filter(([, e]) => e.shouldContinueRunning).map(([n]) => n);
  if (surge === 0) {
    let numUnavailable = 0;
    const allowed: Pod[] = [];
    const candidates: Pod[] = [];
    for (const n of nodes) {
      const on = podsOnNode(i.byNode.get(n) ?? [], i.hash);
      if (!on) continue; // duplicates: managePlan sorts them out first
      if (!on.nw && !on.old) numUnavailable++;
      else if (on.nw) {
        if (!available(on.nw)) numUnavailable++;
      } else if (on.old) {
        // An unavailable old pod costs nothing to replace.
        if (!available(on.old)) allowed.push(on.old);
        else candidates.push(on.old);
      }
    }
    const room = Math.max(0, unavailable - numUnavailable);
    plan.delete.push(...allowed, ...candidates.slice(0, room));
    return plan;
  }
  let numSurge = 0;
  const allowedNodes: string[] = [];
  const candidateNodes: string[] = [];
  for (const n of nodes) {
    const on = podsOnNode(i.byNode.get(n) ?? [], i.hash);
    if (!on || (!on.nw && !on.old)) continue;
    if (!on.nw && on.old) {
      if (!available(on.old)) allowedNodes.push(n);
      else if (elig.get(n)?.shouldRun) candidateNodes.push(n);
    } else if (on.nw && on.old) {
      if (available(on.nw)) plan.delete.push(on.old);
      else numSurge++;
    }
  }
  const room = Math.max(0, surge - numSurge);
  plan.create.push(...allowedNodes, ...candidateNodes.slice(0, room));
  return plan;
}
