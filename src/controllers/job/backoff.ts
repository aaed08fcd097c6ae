// The delay before a failed job's next pod (Kubernetes' pod failure backoff): base * 2^(failures-1), capped,
// counting the failures since the last success, measured from the last failure. Worked out from the pods
// themselves (finished pods stay until the job goes), so a restarted controller waits exactly as long.
import type { Pod } from '../common/types.js';
import { parseTime } from './types.js';

export const DEFAULT_BACKOFF_BASE_MS = 10_000;
export const DEFAULT_BACKOFF_MAX_MS = 6 * 60_000;

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** When a finished pod finished: its containers' last finishedAt, else its deletion time. */
export function podFinishedMs(p: Pod): number | undefined {
  let last: number | undefined;
  for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
    const t = parseTime(s.state?.terminated?.finishedAt);
    if (t !== undefined && (last === undefined || t > last)) last = t;
  }
  return last ?? parseTime(p.metadata?.deletionTimestamp) ?? parseTime(p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime);
}

export function backoffDelayMs(failures: number, o: BackoffOptions): number {
  if (failures <= 0) return 0;
  // 2^(n-1) overflows nothing before the cap bites: stop doubling at the cap.
  let d = o.baseMs;
  for (let i = 1; i < failures && d < o.maxMs; i++) d *= 2;
  return Math.min(d, o.maxMs);
}

/** ms still to wait before creating a pod (0: go ahead). `failed` and `succeeded` are finished pods. */
export function remainingBackoffMs(failed: readonly Pod[], succeeded: readonly Pod[], nowMs: number, o: BackoffOptions): number {
  let lastSuccess = Number.NEGATIVE_INFINITY;
  for (const p of succeeded) lastSuccess = Math.max(lastSuccess, podFinishedMs(p) ?? nowMs);
  let failures = 0;
  let lastFailure = Number.NEGATIVE_INFINITY;
  for (const p of failed) {
    const t = podFinishedMs(p) ?? nowMs;
    if (t < lastSuccess) continue;
    failures++;
    lastFailure = Math.max(lastFailure, t);
  }
  if (failures === 0) return 0;
  return Math.max(0, lastFailure + backoffDelayMs(failures, o) - nowMs);
}
