// The Job controller: run pods to completion.
//   handlers: Job events enqueue the job; pod events enqueue the job that controls the pod, settle creation and
//     deletion expectations and finalizer-removal expectations; a pod holding our finalizer whose job is gone is
//     queued as "orphan:<ns>/<name>" so the finalizer goes.
//   reconcile(key): claim pods; count finished ones exactly once (tracking.ts); decide whether the job has
//     failed (pod failure policy, backoff limit, failed indexes, deadline) or succeeded, first with an interim
//     condition and, once its pods have stopped, the final one; otherwise suspend or run the right pods
//     (manage.ts) after the failure backoff; write status; after ttlSecondsAfterFinished delete the job.
import { isApiError } from '../../api/errors.js';
import { labelSelectorMatches } from '../../api/selectors.js';
import type { Informer } from '../../client/types.js';
import { keyOf, splitKey } from '../../client/types.js';
import { applyClaims } from '../common/adopt.js';
import { planClaims } from '../common/claim.js';
import { controllerRefOf, isControlledBy, newControllerRef } from '../common/controller-ref.js';
import { discardEvents, type EventSink } from '../common/events.js';
import { Expectations } from '../common/expectations.js';
import { jsonEqual, withKind } from '../common/objects.js';
import { resolveControllerRef } from '../common/owners.js';
import { isPodReady } from '../common/pod-util.js';
import { podsRef } from '../common/resources.js';
import { slowStartBatch } from '../common/slow-start.js';
import type { ReconcilerDeps } from '../common/run.js';
import type { Pod } from '../common/types.js';
import { DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS, type BackoffOptions } from './backoff.js';
import { isTrue, REASON, setCondition, findCondition, type Why } from './conditions.js';
import { matchPodFailurePolicy } from './failure-policy.js';
import { formatIndexes } from './indexes.js';
import { planPods, type NewPod } from './manage.js';
import { podForJob } from './pod-template.js';
import { hasTrackingFinalizer, isActive, isTerminating, planTracking, settleUncounted } from './tracking.js';
import { finishedCondition, jobsRef, metaTime, parseTime, TRACKING_FINALIZER, type Job } from './types.js';

export interface JobControllerDeps extends ReconcilerDeps {
  /** Failure backoff: first delay (default 10 s, doubling) and cap (default 6 min). Tests shorten them. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

const ORPHAN = 'orphan:';
const removeFinalizerPatch = (p: Pod) => ({ metadata: { [`$deleteFromPrimitiveList/finalizers`]: [TRACKING_FINALIZER], uid: p.metadata?.uid } });
const rvNumber = (o: { metadata?: { resourceVersion?: string } }) => Number(o.metadata?.resourceVersion ?? '0') || 0;

export class JobController {
  readonly jobs: Informer<Job>;
  readonly pods: Informer<Pod>;
  readonly expectations: Expectations;
  /** Per job key: uids of pods whose finalizer we removed and whose update the cache has not shown yet. */
  private readonly removals = new Map<string, Set<string>>();
  /** Per job key: the resourceVersion of our last status write, so a cache that has not caught up is not acted on. */
  private readonly written = new Map<string, number>();
  private readonly recorder: EventSink;
  private readonly backoff: BackoffOptions;

  constructor(private readonly d: JobControllerDeps) {
    this.jobs = d.informers.informer<Job>(jobsRef);
    this.pods = d.informers.informer<Pod>(podsRef);
    this.expectations = new Expectations(d.clock);
    this.recorder = d.recorder ?? discardEvents;
    this.backoff = { baseMs: d.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS, maxMs: d.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS };
    this.jobs.addHandlers({
      add: (j) => d.queue.add(keyOf(j)),
      update: (_, j) => d.queue.add(keyOf(j)),
      delete: (j) => {
        const k = keyOf(j);
        this.expectations.forget(k);
        this.removals.delete(k);
        this.written.delete(k);
        // Its pods may still hold our finalizer.
        for (const p of this.pods.list(j.metadata?.namespace)) if (controllerRefOf(p)?.uid === j.metadata?.uid) this.onPod(p);
      },
    });
    this.pods.addHandlers({
      add: (p) => this.onPod(p, undefined, 'add'),
      update: (old, p) => this.onPod(p, old),
      delete: (p) => this.onPod(p, undefined, 'delete'),
    });
  }

  // ---- handlers ----

  private jobOf(p: Pod): Job | undefined {
    return resolveControllerRef(this.jobs, p, 'Job');
  }

  private onPod(p: Pod, old?: Pod, what?: 'add' | 'delete'): void {
    const job = this.jobOf(p);
    if (old) {
      const oldJob = this.jobOf(old);
      if (oldJob && oldJob !== job) this.d.queue.add(keyOf(oldJob));
    }
    if (!job) {
      if (what !== 'delete' && hasTrackingFinalizer(p) && controllerRefOf(p)?.kind === 'Job') this.d.queue.add(ORPHAN + keyOf(p));
      return;
    }
    const k = keyOf(job);
    if (what === 'add' && !p.metadata?.deletionTimestamp) this.expectations.creationObserved(k);
    if (what === 'delete' || (p.metadata?.deletionTimestamp && !old?.metadata?.deletionTimestamp)) this.expectations.deletionObserved(k, keyOf(p));
    if (what === 'delete' || !hasTrackingFinalizer(p)) this.removals.get(k)?.delete(p.metadata?.uid ?? '');
    this.d.queue.add(k);
  }

  // ---- reconcile ----

  async reconcile(key: string): Promise<void> {
    if (key.startsWith(ORPHAN)) return this.releaseOrphan(key.slice(ORPHAN.length));
    const { namespace, name } = splitKey(key);
    const cached = this.jobs.get(namespace, name);
    if (!cached) {
      this.expectations.forget(key);
      this.removals.delete(key);
      this.written.delete(key);
      return;
    }
    // Our own last write has not reached the cache: its update event will bring the key back.
    if (rvNumber(cached) < (this.written.get(key) ?? 0)) return;
    const job = withKind(structuredClone(cached), 'batch/v1', 'Job');
    const pods = await this.claimPods(job);
    const finished = finishedCondition(job);
    if (finished || job.metadata?.deletionTimestamp) {
      await this.release(key, pods.filter(hasTrackingFinalizer));
      if (finished) await this.expireAfterTtl(key, job);
      return;
    }
    await this.sync(key, job, pods);
  }

  private async sync(key: string, job: Job, pods: Pod[]): Promise<void> {
    const now = this.d.clock.now();
    const spec = job.spec!;
    const st = job.status ?? {};
    const indexed = spec.completionMode === 'Indexed';
    const perIndex = indexed && spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null;
    let conds = [...(st.conditions ?? [])];
    let ending: 'failure' | 'success' | undefined = isTrue(conds, 'FailureTarget') ? 'failure' : isTrue(conds, 'SuccessCriteriaMet') ? 'success' : undefined;
    const removals = this.removals.get(key) ?? new Set<string>();
    const plan = planTracking({ job, pods, expectedRemovals: removals, ending });

    const active = pods.filter(isActive);
    const succeededCount = indexed ? plan.completedIndexes.size : (st.succeeded ?? 0) + plan.uncountedSucceeded.length;
    const failedCount = (st.failed ?? 0) + plan.uncountedFailed.length;
    const waits: number[] = [];

    if (!ending) {
      let why: Why | undefined;
      const deadlineMs = this.deadlineLeftMs(job, now);
      if (plan.failJob) why = { reason: 'PodFailurePolicy', message: plan.failJob.message };
      else if (failedCount > (spec.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, active)) why = REASON.backoffLimit;
      else if (perIndex && spec.maxFailedIndexes !== undefined && spec.maxFailedIndexes !== null && plan.failedIndexes.size > spec.maxFailedIndexes) why = REASON.maxFailedIndexes;
      else if (deadlineMs !== undefined && deadlineMs <= 0) why = REASON.deadline;
      else if (deadlineMs !== undefined) waits.push(deadlineMs);
      const completions = spec.completions;
      const allIndexesDone = indexed && plan.completedIndexes.size + [...plan.failedIndexes].filter((i) => !plan.completedIndexes.has(i)).length >= (completions ?? 0);
      if (!why && indexed && allIndexesDone && plan.failedIndexes.size > 0) why = REASON.failedIndexes;
      if (why) {
        conds = setCondition(conds, 'FailureTarget', 'True', why, now);
        ending = 'failure';
      } else {
        const succeeded =
          completions === undefined || completions === null
            ? succeededCount > 0 && active.length === 0
            : indexed
              ? allIndexesDone
              : succeededCount >= completions;
        if (succeeded) {
          conds = setCondition(conds, 'SuccessCriteriaMet', 'True', REASON.completionsReached, now);
          ending = 'success';
        }
      }
    }

    let startTime = st.startTime;
    let removed: Pod[] = [];
    let created = 0;
    let manageError: unknown;
    const satisfied = this.expectations.satisfied(key);
    try {
      if (ending) {
        // Stop what still runs. After a failure the stopped pods count as failed; after a success they do not.
        if (satisfied) removed = await this.deletePods(key, job, active, ending === 'success');
      } else if (spec.suspend) {
        if (!isTrue(conds, 'Suspended')) {
          conds = setCondition(conds, 'Suspended', 'True', REASON.suspended, now);
          this.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
        }
        if (satisfied) removed = await this.deletePods(key, job, active, true);
      } else {
        if (isTrue(conds, 'Suspended')) {
          conds = setCondition(conds, 'Suspended', 'False', REASON.resumed, now);
          this.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
          // activeDeadlineSeconds counts continuous activity: it starts again on resume.
          startTime = metaTime(now);
        }
        startTime ??= metaTime(now);
        if (satisfied) {
          const mp = planPods({
            job,
            pods: {
              active,
              terminating: pods.filter(isTerminating),
              succeeded: pods.filter((p) => p.status?.phase === 'Succeeded'),
              // Failures a pod failure policy ignores do not slow the next attempt.
              failed: pods.filter((p) => p.status?.phase === 'Failed' && matchPodFailurePolicy(spec.podFailurePolicy, p)?.action !== 'Ignore'),
            },
            succeeded: succeededCount,
            completedIndexes: plan.completedIndexes,
            failedIndexes: plan.failedIndexes,
            now,
            backoff: this.backoff,
          });
          if (mp.waitMs !== undefined) waits.push(mp.waitMs);
          removed = await this.deletePods(key, job, mp.remove, true);
          created = await this.createPods(key, job, mp.create);
        }
      }
    } catch (e) {
      manageError = e;
    }

    // Step 1: what was seen, before any finalizer goes.
    const removedUids = new Set(removed.map((p) => p.metadata?.uid));
    const stillActive = active.filter((p) => !removedUids.has(p.metadata?.uid));
    const status = {
      ...st,
      startTime,
      active: stillActive.length + created,
      ready: stillActive.filter(isPodReady).length,
      terminating: pods.filter(isTerminating).length + removed.length,
      succeeded: indexed ? plan.completedIndexes.size : (st.succeeded ?? 0),
      failed: st.failed ?? 0,
      conditions: conds,
      uncountedTerminatedPods: uncountedField(plan.uncountedSucceeded, plan.uncountedFailed),
    };
    if (indexed) status.completedIndexes = formatIndexes(plan.completedIndexes);
    if (perIndex) status.failedIndexes = formatIndexes(plan.failedIndexes);
    let current = await this.writeStatus(key, job, status);
    if (!current) return;

    // Step 2: let the counted pods go.
    const released = await this.release(key, plan.release);

    // Step 3: count what was let go; finish the job once nothing runs any more.
    const byUid = new Map(pods.map((p) => [p.metadata?.uid ?? '', p]));
    const s = settleUncounted({ succeeded: plan.uncountedSucceeded, failed: plan.uncountedFailed }, byUid, released);
    const next = { ...current.status! };
    next.uncountedTerminatedPods = uncountedField(s.succeeded, s.failed);
    if (!indexed) next.succeeded = (next.succeeded ?? 0) + s.addSucceeded;
    next.failed = (next.failed ?? 0) + s.addFailed;
    const quiet = (next.active ?? 0) === 0 && (next.terminating ?? 0) === 0 && s.succeeded.length === 0 && s.failed.length === 0;
    if (ending && quiet) this.finish(job, next, ending, now);
    current = await this.writeStatus(key, current, next);
    if (current && finishedCondition(current)) await this.expireAfterTtl(key, current);
    if (manageError) throw manageError;
    if (waits.length > 0) this.d.queue.addAfter(key, Math.max(1, Math.min(...waits)));
  }

  /** The final condition, copied from the interim one. */
  private finish(job: Job, status: NonNullable<Job['status']>, ending: 'failure' | 'success', now: Date): void {
    const interim = findCondition(status.conditions, ending === 'failure' ? 'FailureTarget' : 'SuccessCriteriaMet');
    const why = { reason: interim?.reason ?? '', message: interim?.message ?? '' };
    status.conditions = setCondition(status.conditions ?? [], ending === 'failure' ? 'Failed' : 'Complete', 'True', why, now);
    status.ready = 0;
    if (ending === 'success') {
      status.completionTime = metaTime(now);
      this.recorder.event(job, 'Normal', 'Completed', 'Job completed');
    } else this.recorder.event(job, 'Warning', why.reason, why.message);
  }

  /** ms left of activeDeadlineSeconds (undefined: no deadline or not started). */
  private deadlineLeftMs(job: Job, now: Date): number | undefined {
    const ads = job.spec?.activeDeadlineSeconds;
    const start = parseTime(job.status?.startTime);
    if (ads === undefined || ads === null || start === undefined || job.spec?.suspend) return undefined;
    return start + ads * 1000 - now.getTime();
  }

  /** PUT status with the resourceVersion read; returns the stored job, or undefined when the job is gone. */
  private async writeStatus(key: string, job: Job, status: NonNullable<Job['status']>): Promise<Job | undefined> {
    const clean = dropEmpty(status);
    if (jsonEqual(clean, job.status ?? {})) return job;
    try {
      const out = await this.d.client.update<Job>(jobsRef, job.metadata?.namespace, { ...job, status: clean }, { subresource: 'status' });
      this.written.set(key, rvNumber(out));
      return withKind(out, 'batch/v1', 'Job');
    } catch (e) {
      if (isApiError(e) && e.reason === 'NotFound') return undefined;
      throw e;
    }
  }

  // ---- pods ----

  /** The job's pods: ours, plus orphans matching the selector (adopted); ours that stopped matching are released. */
  private async claimPods(job: Job): Promise<Pod[]> {
    // The API server generates a selector from the job's uid; should one be missing, claim only what we created.
    const sel = job.spec?.selector;
    const matches = sel ? (p: Pod) => labelSelectorMatches(sel, p.metadata?.labels) : (p: Pod) => isControlledBy(p, job);
    const plan = planClaims(job, this.pods.list(job.metadata?.namespace), matches);
    const adopted = await applyClaims(plan, {
      client: this.d.client,
      resource: podsRef,
      owner: job,
      ref: newControllerRef(job, 'batch/v1', 'Job'),
      ownerResource: jobsRef,
      // A released pod keeps running outside the job: it must not keep our finalizer either.
      releasePatch: (p) => ({ metadata: { ownerReferences: [{ $patch: 'delete', uid: job.metadata?.uid }], '$deleteFromPrimitiveList/finalizers': [TRACKING_FINALIZER], uid: p.metadata?.uid } }),
    });
    return [...plan.own, ...adopted];
  }

  /** Removes the tracking finalizer; returns the uids now free of it (including pods already gone). */
  private async release(key: string, pods: readonly Pod[]): Promise<Set<string>> {
    const done = new Set<string>();
    let failure: unknown;
    await Promise.all(
      pods.map(async (p) => {
        const uid = p.metadata?.uid ?? '';
        try {
          await this.d.client.patch(podsRef, p.metadata?.namespace, p.metadata?.name ?? '', 'strategic', removeFinalizerPatch(p));
          let set = this.removals.get(key);
          if (!set) this.removals.set(key, (set = new Set()));
          set.add(uid);
          done.add(uid);
        } catch (e) {
          // Gone, or a new pod by that name (uid precondition): either way this one holds nothing any more.
          if (isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Invalid' || e.reason === 'Conflict')) done.add(uid);
          else failure ??= e;
        }
      }),
    );
    if (failure) throw failure;
    return done;
  }

  private async deletePods(key: string, job: Job, pods: readonly Pod[], releaseFirst: boolean): Promise<Pod[]> {
    if (pods.length === 0) return [];
    this.expectations.expect(key, 0, pods.map(keyOf));
    const gone: Pod[] = [];
    let failure: unknown;
    await Promise.all(
      pods.map(async (p) => {
        const name = p.metadata?.name ?? '';
        try {
          // Pods we stop for our own reasons (too many, suspended, job done) must not count as failures.
          if (releaseFirst) await this.release(key, [p]);
          await this.d.client.delete(podsRef, p.metadata?.namespace, name, { preconditions: { uid: p.metadata?.uid } });
          gone.push(p);
          this.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
        } catch (e) {
          this.expectations.deletionObserved(key, keyOf(p));
          if (isApiError(e) && e.reason === 'NotFound') return;
          this.recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
          failure ??= e;
        }
      }),
    );
    if (failure) throw failure;
    return gone;
  }

  private async createPods(key: string, job: Job, pods: NewPod[]): Promise<number> {
    if (pods.length === 0) return 0;
    this.expectations.expect(key, pods.length);
    const r = await slowStartBatch(pods.length, 1, async (i) => {
      const want = pods[i]!;
      const created = await this.d.client.create<Pod>(podsRef, job.metadata?.namespace, podForJob(job, want.index, want.failures));
      this.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
    });
    const failed = r.errors.length + r.skipped;
    if (failed > 0) {
      this.expectations.lowerAdds(key, failed);
      this.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${(r.errors[0] as Error)?.message ?? ''}`);
      throw r.errors[0];
    }
    return r.successes;
  }

  /** A pod holding our finalizer whose job is gone (or finished): let it go. */
  private async releaseOrphan(podKey: string): Promise<void> {
    const { namespace, name } = splitKey(podKey);
    const p = this.pods.get(namespace, name);
    if (!p || !hasTrackingFinalizer(p)) return;
    const ref = controllerRefOf(p);
    if (ref?.kind === 'Job') {
      try {
        const fresh = await this.d.client.get<Job>(jobsRef, namespace, ref.name);
        if (fresh.metadata?.uid === ref.uid) return;
      } catch (e) {
        if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
      }
    }
    await this.release(podKey, [p]);
    this.removals.delete(podKey);
  }

  // ---- ttl after finished ----

  /** Deletes a finished job ttlSecondsAfterFinished after it finished (as the ttl-after-finished controller does). */
  private async expireAfterTtl(key: string, job: Job): Promise<void> {
    const expireAt = ttlExpiry(job);
    if (expireAt === undefined || job.metadata?.deletionTimestamp) return;
    const left = expireAt - this.d.clock.now().getTime();
    if (left > 0) {
      this.d.queue.addAfter(key, left);
      return;
    }
    // The cache may be stale: the TTL may have changed. Decide on a fresh read, and delete only that version.
    let fresh: Job;
    try {
      fresh = await this.d.client.get<Job>(jobsRef, job.metadata?.namespace, job.metadata?.name ?? '');
    } catch (e) {
      if (isApiError(e) && e.reason === 'NotFound') return;
      throw e;
    }
    const freshAt = ttlExpiry(fresh);
    if (freshAt === undefined || fresh.metadata?.deletionTimestamp || fresh.metadata?.uid !== job.metadata?.uid) return;
    if (freshAt > this.d.clock.now().getTime()) {
      this.d.queue.addAfter(key, freshAt - this.d.clock.now().getTime());
      return;
    }
    try {
      await this.d.client.delete(jobsRef, fresh.metadata?.namespace, fresh.metadata?.name ?? '', {
        propagationPolicy: 'Foreground',
        preconditions: { resourceVersion: fresh.metadata?.resourceVersion },
      });
    } catch (e) {
      if (!(isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict'))) throw e;
      if (e.reason === 'Conflict') this.d.queue.add(key);
    }
  }
}

/** When a finished job with ttlSecondsAfterFinished expires, in ms (undefined: never). */
export function ttlExpiry(job: Job): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  const done = finishedCondition(job);
  if (ttl === undefined || ttl === null || !done) return undefined;
  const at = parseTime(done.lastTransitionTime) ?? parseTime(job.status?.completionTime);
  return at === undefined ? undefined : at + ttl * 1000;
}

/** restartPolicy OnFailure: container restarts of running pods count towards backoffLimit. */
export function pastBackoffLimitOnFailure(job: Job, active: readonly Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of active) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

function uncountedField(succeeded: string[], failed: string[]) {
  return { ...(succeeded.length ? { succeeded } : {}), ...(failed.length ? { failed } : {}) };
}

/** As Kubernetes stores JobStatus: zero counters and empty lists are omitted (ready and terminating stay). */
function dropEmpty(s: NonNullable<Job['status']>): NonNullable<Job['status']> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (v === undefined || v === null) continue;
    if ((k === 'active' || k === 'succeeded' || k === 'failed') && v === 0) continue;
    if (k === 'conditions' && Array.isArray(v) && v.length === 0) continue;
    if (k === 'completedIndexes' && v === '') continue;
    out[k] = v;
  }
  return out as NonNullable<Job['status']>;
}
