// When the NoExecute taint manager evicts a pod from a tainted node (pure):
//   - a NoExecute taint the pod does not tolerate evicts it at once;
//   - tolerated taints allow the smallest tolerationSeconds among the tolerations used (none given: forever);
//   - not-ready/unreachable are tolerated for the eviction timeout (default 300 s) when the pod has no toleration
//     of its own for them: what the DefaultTolerationSeconds admission plugin would have added.
// The clock runs from each taint's timeAdded, so a restarted controller keeps the deadline.
import { TAINT_NOT_READY, TAINT_UNREACHABLE, type Taint, type Toleration } from './types.js';

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

/** The eviction moment in ms since the epoch, undefined for never. fallbackAddedMs stands in for a missing timeAdded. */
export function evictionAt(tolerations: readonly Toleration[] | undefined, taints: readonly Taint[] | undefined, evictionTimeoutMs: number, fallbackAddedMs: number): number | undefined {
  let at: number | undefined;
  for (const taint of taints ?? []) {
    if (taint.effect !== 'NoExecute') continue;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : fallbackAddedMs;
    const used = (tolerations ?? []).filter((t) => tolerates(t, taint));
    let seconds: number | undefined;
    if (used.length === 0) {
      if (taint.key !== TAINT_NOT_READY && taint.key !== TAINT_UNREACHABLE) return added;
      seconds = evictionTimeoutMs / 1000;
    } else {
      for (const t of used) {
        if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
        const s = Math.max(0, t.tolerationSeconds);
        seconds = seconds === undefined ? s : Math.min(seconds, s);
      }
      if (seconds === undefined) continue;
    }
    const due = added + seconds * 1000;
    at = at === undefined ? due : Math.min(at, due);
  }
  return at;
}
