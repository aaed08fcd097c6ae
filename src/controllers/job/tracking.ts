// Counting finished pods exactly once, across controller restarts (Kubernetes' finalizer-based tracking).
// Every pod a job creates carries the batch.kubernetes.io/job-tracking finalizer, so a finished pod cannot vanish
// before it is counted. For each finished pod still holding it:
//   1. its uid goes into status.uncountedTerminatedPods (an Indexed success goes straight into completedIndexes:
//      an index cannot be counted twice), written to the job's status;
//   2. then the finalizer is removed from the pod;
//   3. then uids whose pods no longer hold the finalizer (or are gone) move from uncounted to succeeded/failed.
// A crash between any two steps is harmless: a uid already listed is not listed again, and a listed uid is
// counted only once its finalizer is known to be gone. This file plans steps 1 and 3 (pure).
import type { Pod } from '../common/types.js';
import { matchPodFailurePolicy, type PolicyMatch } from './failure-policy.js';
import { parseIndexes, podIndex } from './indexes.js';
import { INDEX_FAILURE_COUNT, TRACKING_FINALIZER, type Job } from './types.js';

export const hasTrackingFinalizer = (p: Pod) => p.metadata?.finalizers?.includes(TRACKING_FINALIZER) ?? false;
export const isTerminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
/** Running or pending, not being deleted: counts as active. */
export const isActive = (p: Pod) => !isTerminal(p) && !p.metadata?.deletionTimestamp;
export const isTerminating = (p: Pod) => !isTerminal(p) && !!p.metadata?.deletionTimestamp;

/** podReplacementPolicy Failed (or a pod failure policy): only a Failed phase is a failure, not a deletion. */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || !!job.spec?.podFailurePolicy;
}

/** Is this pod a failure? Failed, or (unless only failed pods are replaced) deleted before it succeeded. */
export function isPodFailed(p: Pod, job: Job): boolean {
  if (p.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded';
}

export interface TrackInput {
  job: Job;
  /** The job's pods, any phase. */
  pods: readonly Pod[];
  /** Pods whose finalizer removal we asked for and have not yet seen: skip them. */
  expectedRemovals: ReadonlySet<string>;
  /** The job has a FailureTarget (every pod still running counts as failed) or SuccessCriteriaMet (none does). */
  ending?: 'failure' | 'success';
}

export interface TrackPlan {
  uncountedSucceeded: string[];
  uncountedFailed: string[];
  completedIndexes: Set<number>;
  failedIndexes: Set<number>;
  /** Pods whose finalizer can go once the plan is written. */
  release: Pod[];
  /** A FailJob rule matched a newly failed pod. */
  failJob?: PolicyMatch;
  /** Anything that must be written before finalizers are removed. */
  changed: boolean;
}

export function planTracking(i: TrackInput): TrackPlan {
  const { job } = i;
  const spec = job.spec ?? { template: {} };
  const indexed = spec.completionMode === 'Indexed';
  const completions = spec.completions ?? 0;
  const st = job.status ?? {};
  const uncountedSucceeded = [...(st.uncountedTerminatedPods?.succeeded ?? [])];
  const uncountedFailed = [...(st.uncountedTerminatedPods?.failed ?? [])];
  const completedIndexes = indexed ? parseIndexes(st.completedIndexes, completions) : new Set<number>();
  const failedIndexes = indexed ? parseIndexes(st.failedIndexes, completions) : new Set<number>();
  const plan: TrackPlan = { uncountedSucceeded, uncountedFailed, completedIndexes, failedIndexes, release: [], changed: false };
  const perIndex = indexed && spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null;

  for (const p of i.pods) {
    const uid = p.metadata?.uid ?? '';
    if (!hasTrackingFinalizer(p) || i.expectedRemovals.has(uid)) continue;
    const ix = podIndex(p.metadata?.annotations, p.metadata?.labels);
    const validIndex = !indexed || (ix !== undefined && ix < completions);
    if (p.status?.phase === 'Succeeded' && !uncountedFailed.includes(uid)) {
      if (indexed) {
        if (validIndex && !completedIndexes.has(ix!) && !failedIndexes.has(ix!)) {
          completedIndexes.add(ix!);
          plan.changed = true;
        }
      } else if (!uncountedSucceeded.includes(uid)) {
        uncountedSucceeded.push(uid);
        plan.changed = true;
      }
      plan.release.push(p);
      continue;
    }
    const failed = isPodFailed(p, job) || (i.ending === 'failure' && !isTerminal(p));
    if (failed) {
      if (!uncountedFailed.includes(uid) && validIndex) {
        const m = p.status?.phase === 'Failed' ? matchPodFailurePolicy(spec.podFailurePolicy, p) : undefined;
        if (m?.action === 'FailJob' && !plan.failJob) plan.failJob = m;
        if (m?.action !== 'Ignore') {
          uncountedFailed.push(uid);
          plan.changed = true;
          if (indexed && ix !== undefined) {
            const before = Number(p.metadata?.annotations?.[INDEX_FAILURE_COUNT] ?? '0') || 0;
            const overLimit = perIndex && before + 1 > (spec.backoffLimitPerIndex ?? 0);
            if ((m?.action === 'FailIndex' || overLimit) && !failedIndexes.has(ix)) failedIndexes.add(ix);
          }
        }
      }
      plan.release.push(p);
      continue;
    }
    // A pod deleted while the job is ending successfully, or one we deleted ourselves: let it go uncounted.
    if (i.ending === 'success' && !isActive(p)) plan.release.push(p);
  }
  return plan;
}

/** Step 3: uids whose pods no longer hold the finalizer move to the counters. */
export function settleUncounted(
  uncounted: { succeeded: string[]; failed: string[] },
  podsByUid: ReadonlyMap<string, Pod>,
  released: ReadonlySet<string>,
): { succeeded: string[]; failed: string[]; addSucceeded: number; addFailed: number } {
  const settled = (uid: string) => {
    const p = podsByUid.get(uid);
    return released.has(uid) || !p || !hasTrackingFinalizer(p);
  };
  const s = uncounted.succeeded.filter((u) => !settled(u));
  const f = uncounted.failed.filter((u) => !settled(u));
  return { succeeded: s, failed: f, addSucceeded: uncounted.succeeded.length - s.length, addFailed: uncounted.failed.length - f.length };
}
