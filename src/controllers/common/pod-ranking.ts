// Which pods to delete first when scaling down: the least useful (Kubernetes' ActivePodsWithRanks order).
//   1. not on a node < on a node       2. Pending < Unknown < Running      3. not ready < ready
//   4. lower controller.kubernetes.io/pod-deletion-cost first
//   5. more of our pods on the same node first (spreads what remains)
//   6. ready for less time first       7. more container restarts first    8. newer first
// Times compare on a log2 scale of their age (LogarithmicScaleDown, on by default), so pods of similar age are
// tied and the uid breaks the tie: scale-down then does not always pick the very newest pod.
import { isPodReady, maxContainerRestarts, podReadySince } from './pod-util.js';
import type { Pod } from './types.js';

export const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(p: Pod): number {
  const v = p.metadata?.annotations?.[DELETION_COST_ANNOTATION];
  const n = v === undefined ? 0 : Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : 0;
}

/** floor(log2(age in ns)), -1 for no age: the "bucket" two times fall in. */
function logRank(t: number, now: number): number {
  const d = (now - t) * 1e6;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

/** Negative when a is in a younger age bucket than b (younger goes first); 0 when both share a bucket. */
function compareTimes(a: number | undefined, b: number | undefined, now: number): number {
  if (a === b) return 0;
  // Unknown time sorts first (afterOrZero): treat it as the newest.
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return logRank(a, now) - logRank(b, now);
}

export interface RankedPod {
  pod: Pod;
  /** How many related pods share its node. */
  rank: number;
}

/** Sort comparator: negative when a should be deleted before b. */
export function compareForDeletion(a: RankedPod, b: RankedPod, now: Date): number {
  const pa = a.pod;
  const pb = b.pod;
  const na = pa.spec?.nodeName ?? '';
  const nb = pb.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const oa = phaseOrdinal[pa.status?.phase ?? ''] ?? 0;
  const ob = phaseOrdinal[pb.status?.phase ?? ''] ?? 0;
  if (oa !== ob) return oa - ob;
  const ra = isPodReady(pa);
  const rb = isPodReady(pb);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = deletionCost(pa);
  const cb = deletionCost(pb);
  if (ca !== cb) return ca - cb;
  if (a.rank !== b.rank) return b.rank - a.rank;
  const t = now.getTime();
  const uidTie = () => ((pa.metadata?.uid ?? '') < (pb.metadata?.uid ?? '') ? -1 : (pa.metadata?.uid ?? '') > (pb.metadata?.uid ?? '') ? 1 : 0);
  if (ra && rb) {
    const ta = podReadySince(pa);
    const tb = podReadySince(pb);
    if (ta !== tb) {
      const d = compareTimes(ta, tb, t);
      return d !== 0 ? d : uidTie();
    }
  }
  const xa = maxContainerRestarts(pa);
  const xb = maxContainerRestarts(pb);
  if (xa !== xb) return xb - xa;
  const ka = created(pa);
  const kb = created(pb);
  if (ka !== kb) {
    const d = compareTimes(ka, kb, t);
    if (d !== 0) return d;
  }
  return uidTie();
}

function created(p: Pod): number | undefined {
  const s = p.metadata?.creationTimestamp;
  const t = s ? Date.parse(s) : Number.NaN;
  return Number.isNaN(t) ? undefined : t;
}

/** Ranks each pod by how many of `related` share its node. */
export function rankByNode(pods: readonly Pod[], related: readonly Pod[]): RankedPod[] {
  const perNode = new Map<string, number>();
  for (const p of related) {
    const n = p.spec?.nodeName;
    if (n) perNode.set(n, (perNode.get(n) ?? 0) + 1);
  }
  return pods.map((pod) => ({ pod, rank: pod.spec?.nodeName ? (perNode.get(pod.spec.nodeName) ?? 0) : 0 }));
}

/** The n pods to delete first. */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], n: number, now: Date): Pod[] {
  if (n >= pods.length) return [...pods];
  return rankByNode(pods, related)
    .sort((a, b) => compareForDeletion(a, b, now))
    .slice(0, n)
    .map((r) => r.pod);
}
