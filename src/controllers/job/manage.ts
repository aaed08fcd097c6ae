// Which pods to create and which to remove so the job runs the right number (pure). Non-indexed jobs keep
// min(parallelism, completions - succeeded) running; Indexed ones run the lowest pending indexes, one pod each.
// New pods wait out the failure backoff: global, or per index with backoffLimitPerIndex.
import { podsToDelete } from '../common/pod-ranking.js';
import type { Pod } from '../common/types.js';
import { backoffDelayMs, podFinishedMs, remainingBackoffMs, type BackoffOptions } from './backoff.js';
import { matchPodFailurePolicy } from './failure-policy.js';
import { podIndex } from './indexes.js';
import type { IndexFailures } from './pod-template.js';
import { onlyReplaceFailedPods } from './tracking.js';
import { INDEX_FAILURE_COUNT, INDEX_IGNORED_FAILURE_COUNT, type Job } from './types.js';

/** At most this many creates or deletes per sync (Kubernetes' burst). */
export const MAX_POD_CHANGES = 500;

export interface PodSets {
  active: Pod[];
  terminating: Pod[];
  succeeded: Pod[];
  failed: Pod[];
}

export interface ManageInput {
  job: Job;
  pods: PodSets;
  /** Succeeded count so far (status plus this sync's). */
  succeeded: number;
  completedIndexes: ReadonlySet<number>;
  failedIndexes: ReadonlySet<number>;
  now: Date;
  backoff: BackoffOptions;
}

export interface NewPod {
  index?: number;
  failures?: IndexFailures;
}

export interface ManagePlan {
  create: NewPod[];
  remove: Pod[];
  /** Look again after this long (a backoff to wait out). */
  waitMs?: number;
}

const indexOf = (p: Pod) => podIndex(p.metadata?.annotations, p.metadata?.labels);

export function planPods(i: ManageInput): ManagePlan {
  return i.job.spec?.completionMode === 'Indexed' ? planIndexed(i) : planNonIndexed(i);
}

function planNonIndexed(i: ManageInput): ManagePlan {
  const spec = i.job.spec!;
  const parallelism = spec.parallelism ?? 1;
  const active = i.pods.active;
  let want: number;
  if (spec.completions === undefined || spec.completions === null) {
    // A work queue: once one pod succeeded, no new ones start; the others finish on their own.
    want = i.succeeded > 0 ? Math.min(active.length, parallelism) : parallelism;
  } else want = Math.max(0, Math.min(spec.completions - i.succeeded, parallelism));
  if (active.length > want) return { create: [], remove: podsToDelete(active, active, Math.min(active.length - want, MAX_POD_CHANGES), i.now) };
  const diff = want - active.length - (onlyReplaceFailedPods(i.job) ? i.pods.terminating.length : 0);
  if (diff <= 0) return { create: [], remove: [] };
  const wait = remainingBackoffMs(i.pods.failed, i.pods.succeeded, i.now.getTime(), i.backoff);
  if (wait > 0) return { create: [], remove: [], waitMs: wait };
  return { create: Array.from({ length: Math.min(diff, MAX_POD_CHANGES) }, () => ({})), remove: [] };
}

/** An index's failures so far, read from its latest failed pod (whose annotation counts the ones before it). */
function indexFailures(job: Job, failedPods: readonly Pod[]): IndexFailures & { lastMs: number } {
  let best: IndexFailures & { lastMs: number } = { failed: 0, ignored: 0, lastMs: Number.NEGATIVE_INFINITY };
  for (const p of failedPods) {
    const a = p.metadata?.annotations ?? {};
    const ignoredNow = matchPodFailurePolicy(job.spec?.podFailurePolicy, p)?.action === 'Ignore';
    const f = (Number(a[INDEX_FAILURE_COUNT] ?? '0') || 0) + (ignoredNow ? 0 : 1);
    const g = (Number(a[INDEX_IGNORED_FAILURE_COUNT] ?? '0') || 0) + (ignoredNow ? 1 : 0);
    if (f + g > best.failed + best.ignored) best = { failed: f, ignored: g, lastMs: podFinishedMs(p) ?? 0 };
  }
  return best;
}

function planIndexed(i: ManageInput): ManagePlan {
  const spec = i.job.spec!;
  const completions = spec.completions ?? 0;
  const parallelism = spec.parallelism ?? 1;
  const perIndex = spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null;
  const done = (ix: number) => i.completedIndexes.has(ix) || i.failedIndexes.has(ix);
  const remove: Pod[] = [];
  const byIndex = new Map<number, Pod[]>();
  for (const p of i.pods.active) {
    const ix = indexOf(p);
    if (ix === undefined || ix >= completions || done(ix)) remove.push(p);
    else byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
  }
  // One pod per index: keep the best (ranked last for deletion), remove the others.
  for (const pods of byIndex.values()) if (pods.length > 1) remove.push(...podsToDelete(pods, pods, pods.length - 1, i.now));
  const running = [...byIndex.keys()];
  const remaining = completions - [...Array(completions).keys()].filter(done).length;
  const want = Math.min(parallelism, remaining);
  if (running.length > want) {
    const keep = running.map((ix) => byIndex.get(ix)!.find((p) => !remove.includes(p))!);
    remove.push(...podsToDelete(keep, keep, running.length - want, i.now));
    return { create: [], remove: remove.slice(0, MAX_POD_CHANGES) };
  }
  const busy = new Set(running);
  if (onlyReplaceFailedPods(i.job)) for (const p of i.pods.terminating) if (indexOf(p) !== undefined) busy.add(indexOf(p)!);
  let diff = want - running.length - (onlyReplaceFailedPods(i.job) ? i.pods.terminating.length : 0);
  const now = i.now.getTime();
  let waitMs: number | undefined;
  if (!perIndex && diff > 0) {
    const w = remainingBackoffMs(i.pods.failed, i.pods.succeeded, now, i.backoff);
    if (w > 0) return { create: [], remove: remove.slice(0, MAX_POD_CHANGES), waitMs: w };
  }
  const failedByIndex = new Map<number, Pod[]>();
  for (const p of i.pods.failed) {
    const ix = indexOf(p);
    if (ix !== undefined) failedByIndex.set(ix, [...(failedByIndex.get(ix) ?? []), p]);
  }
  const create: NewPod[] = [];
  for (let ix = 0; ix < completions && diff > 0 && create.length < MAX_POD_CHANGES; ix++) {
    if (done(ix) || busy.has(ix)) continue;
    if (!perIndex) {
      create.push({ index: ix });
      diff--;
      continue;
    }
    const f = indexFailures(i.job, failedByIndex.get(ix) ?? []);
    const w = f.failed > 0 ? f.lastMs + backoffDelayMs(f.failed, i.backoff) - now : 0;
    if (w > 0) {
      waitMs = waitMs === undefined ? w : Math.min(waitMs, w);
      continue;
    }
    create.push({ index: ix, failures: { failed: f.failed, ignored: f.ignored } });
    diff--;
  }
  return { create, remove: remove.slice(0, MAX_POD_CHANGES), ...(waitMs !== undefined ? { waitMs } : {}) };
}
