// The arithmetic of a PodDisruptionBudget's status, as Kubernetes' disruption controller does it:
//   expectedPods   - minAvailable as a number: the pods the selector matches; otherwise the summed scale of the
//                    pods' controllers (a percentage or maxUnavailable is relative to what *should* run).
//   desiredHealthy - minAvailable (a percentage rounds up), or expectedPods - maxUnavailable (rounded up), >= 0.
//   currentHealthy - matching pods that are Ready, not being deleted and not recently evicted (disruptedPods).
//   disruptionsAllowed = max(0, currentHealthy - desiredHealthy).
// Example: maxUnavailable 25% of a 10-replica Deployment -> unavailable 3, desired 7; 9 ready -> 2 allowed.
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import type { Pod } from '../common/types.js';
import { isPodReady } from '../common/pod-util.js';
import { rfc3339, type PodDisruptionBudget } from './types.js';

/** An eviction the API server allowed but whose pod deletion the controller has not seen yet expires after this. */
export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60 * 1000;

/** intstr value scaled against total; a percentage rounds up when roundUp, down otherwise. */
export function scaledValue(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    const n = Number(v);
    if (Number.isInteger(n)) return n;
    throw new Error(`invalid value for IntOrString: invalid value "${v}": must be an integer or a percentage`);
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** Whether expectedPods comes from the pods' controllers (their scale) rather than from counting the pods. */
export function needsControllerScale(pdb: PodDisruptionBudget): boolean {
  const s = pdb.spec ?? {};
  if (s.maxUnavailable !== undefined && s.maxUnavailable !== null) return true;
  return typeof s.minAvailable === 'string' && s.minAvailable.endsWith('%');
}

export function expectedAndDesired(pdb: PodDisruptionBudget, podCount: number, controllerScale: number): { expected: number; desired: number } {
  const s = pdb.spec ?? {};
  if (s.maxUnavailable !== undefined && s.maxUnavailable !== null) {
    const unavailable = scaledValue(s.maxUnavailable, controllerScale, true);
    return { expected: controllerScale, desired: Math.max(0, controllerScale - unavailable) };
  }
  if (s.minAvailable !== undefined && s.minAvailable !== null) {
    if (typeof s.minAvailable === 'string' && s.minAvailable.endsWith('%')) {
      return { expected: controllerScale, desired: Math.max(0, scaledValue(s.minAvailable, controllerScale, true)) };
    }
    return { expected: podCount, desired: Math.max(0, scaledValue(s.minAvailable, podCount, true)) };
  }
  return { expected: podCount, desired: 0 };
}

/**
 * disruptedPods entries still worth keeping: the pod exists, is not yet being deleted, and the entry is younger
 * than the timeout. recheckAt is when the oldest kept entry expires (so the controller looks again then).
 */
export function liveDisruptedPods(status: PodDisruptionBudgetStatus | undefined, pods: readonly Pod[], now: Date) {
  const byName = new Map(pods.map((p) => [p.metadata?.name ?? '', p]));
  const kept: Record<string, string> = {};
  let recheckAt: number | undefined;
  for (const [name, t] of Object.entries(status?.disruptedPods ?? {})) {
    const pod = byName.get(name);
    if (!pod || pod.metadata?.deletionTimestamp) continue;
    const expires = Date.parse(t) + DISRUPTED_POD_TIMEOUT_MS;
    if (!(expires > now.getTime())) continue;
    kept[name] = t;
    recheckAt = recheckAt === undefined ? expires : Math.min(recheckAt, expires);
  }
  return { kept, recheckAt };
}

export function countHealthy(pods: readonly Pod[], disrupted: Record<string, string>): number {
  let n = 0;
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp) continue;
    if (disrupted[p.metadata?.name ?? ''] !== undefined) continue;
    if (isPodReady(p)) n++;
  }
  return n;
}

/** Sets (or keeps) the DisruptionAllowed condition, moving lastTransitionTime only when the status changes. */
export function withAllowedCondition(conds: readonly Condition[] | undefined, c: Omit<Condition, 'lastTransitionTime'>, now: Date): Condition[] {
  const out = (conds ?? []).filter((x) => x.type !== c.type);
  const prev = (conds ?? []).find((x) => x.type === c.type);
  const lastTransitionTime = prev && prev.status === c.status ? prev.lastTransitionTime : rfc3339(now);
  out.push({ ...c, lastTransitionTime });
  return out;
}

export interface BudgetInput {
  pdb: PodDisruptionBudget;
  /** Pods in the budget's namespace that its selector matches. */
  pods: readonly Pod[];
  /** Summed scale of the pods' controllers, or an error saying why it could not be found. Only read when needed. */
  controllerScale: number | { error: string };
  now: Date;
}

export interface BudgetResult {
  status: PodDisruptionBudgetStatus;
  /** When to compute again because a disruptedPods entry expires. */
  recheckAt?: number;
}

export function computeBudgetStatus({ pdb, pods, controllerScale, now }: BudgetInput): BudgetResult {
  const old = pdb.status;
  const generation = pdb.metadata?.generation;
  const scale = typeof controllerScale === 'number' ? controllerScale : 0;
  if (typeof controllerScale !== 'number' && needsControllerScale(pdb)) return { status: failSafe(pdb, controllerScale.error, now) };
  let ed: { expected: number; desired: number };
  try {
    ed = expectedAndDesired(pdb, pods.length, scale);
  } catch (e) {
    return { status: failSafe(pdb, (e as Error).message, now) };
  }
  const { kept, recheckAt } = liveDisruptedPods(old, pods, now);
  const currentHealthy = countHealthy(pods, kept);
  const disruptionsAllowed = Math.max(0, currentHealthy - ed.desired);
  const status: PodDisruptionBudgetStatus = {
    observedGeneration: generation,
    disruptedPods: kept,
    disruptionsAllowed,
    currentHealthy,
    desiredHealthy: ed.desired,
    expectedPods: ed.expected,
    conditions: withAllowedCondition(
      old?.conditions,
      disruptionsAllowed > 0
        ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: generation }
        : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: generation },
      now,
    ),
  };
  if (Object.keys(kept).length === 0) delete status.disruptedPods;
  return recheckAt === undefined ? { status } : { status, recheckAt };
}

/** When the budget cannot be computed, allow no disruptions and say why. */
export function failSafe(pdb: PodDisruptionBudget, message: string, now: Date): PodDisruptionBudgetStatus {
  const old = pdb.status;
  const generation = pdb.metadata?.generation;
  return {
    currentHealthy: old?.currentHealthy ?? 0,
    desiredHealthy: old?.desiredHealthy ?? 0,
    expectedPods: old?.expectedPods ?? 0,
    ...(old?.disruptedPods ? { disruptedPods: old.disruptedPods } : {}),
    observedGeneration: generation,
    disruptionsAllowed: 0,
    conditions: withAllowedCondition(old?.conditions, { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message, observedGeneration: generation }, now),
  };
}
