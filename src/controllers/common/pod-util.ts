// Pod state as controllers judge it: active, ready, available (ready for minReadySeconds).
import type { Pod } from './types.js';

/** Neither finished nor being deleted: it counts towards a controller's replicas. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

export function podReadyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** When the pod last became ready, in ms since the epoch (undefined when not ready or unknown). */
export function podReadySince(pod: Pod): number | undefined {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True' || !c.lastTransitionTime) return undefined;
  const t = Date.parse(c.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

/** Ready for at least minReadySeconds (a pod ready at an unknown time counts only when minReadySeconds is 0). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 <= now.getTime();
}

/** How long until a ready pod becomes available, so a controller can look again then (undefined: nothing to wait for). */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: Date): number | undefined {
  if (minReadySeconds <= 0 || !isPodReady(pod)) return undefined;
  const since = podReadySince(pod);
  if (since === undefined) return undefined;
  const left = since + minReadySeconds * 1000 - now.getTime();
  return left > 0 ? left : undefined;
}

export function maxContainerRestarts(pod: Pod): number {
  let m = 0;
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) m = Math.max(m, s.restartCount ?? 0);
  return m;
}

/** Labels match a selector given as a plain map (ReplicationController): every pair present. */
export function matchesMapSelector(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  const l = labels ?? {};
  return Object.entries(selector).every(([k, v]) => l[k] === v);
}
