// The CronJob controller: start Jobs on a cron schedule.
//   handlers: CronJob events enqueue it; Job events enqueue the CronJob that controls the Job.
//   reconcile(key): reconcile status.active with the Jobs that exist, then (unless suspended or being deleted)
//     start the most recent due activation subject to startingDeadlineSeconds and concurrencyPolicy, trim
//     finished Jobs beyond the history limits, write status, and requeue for the next activation.
// All time comes from the injected clock, so a fake clock runs hours of schedules in seconds.
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { isApiError } from '../../api/errors.js';
import type { Informer } from '../../client/types.js';
import { keyOf, splitKey } from '../../client/types.js';
import { controllerRefOf, isControlledBy } from '../common/controller-ref.js';
import { discardEvents, type EventSink } from '../common/events.js';
import type { ReconcilerDeps } from '../common/run.js';
import { jsonEqual, withKind } from '../common/objects.js';
import { cronJobsRef, finishedCondition, jobsRef, metaTime, parseTime, type CronJob, type Job } from '../job/types.js';
import { parseSchedule, type CronSchedule } from './cron.js';
import { jobFromTemplate, jobRef } from './job-from-template.js';
import { jobNameFor, nextScheduleDelayMs, nextScheduleTime, type ScheduleState } from './schedule.js';

export interface CronJobControllerDeps extends ReconcilerDeps {
  /** The zone of schedules without spec.timeZone (Kubernetes: the controller manager's local zone). Default UTC. */
  localTimeZone?: string;
}

const TOO_MANY_MISSED = 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew';

/** RFC 1123 with a numeric zone, as Go's time.RFC1123Z prints a UTC time. */
function rfc1123z(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}

export class CronJobController {
  readonly cronJobs: Informer<CronJob>;
  readonly jobs: Informer<Job>;
  private readonly recorder: EventSink;

  constructor(private readonly d: CronJobControllerDeps) {
    this.cronJobs = d.informers.informer<CronJob>(cronJobsRef);
    this.jobs = d.informers.informer<Job>(jobsRef);
    this.recorder = d.recorder ?? discardEvents;
    this.cronJobs.addHandlers({
      add: (cj) => d.queue.add(keyOf(cj)),
      update: (_, cj) => d.queue.add(keyOf(cj)),
    });
    const onJob = (j: Job) => {
      const ref = controllerRefOf(j);
      if (ref?.kind === 'CronJob' && j.metadata?.namespace) d.queue.add(`${j.metadata.namespace}/${ref.name}`);
    };
    this.jobs.addHandlers({ add: onJob, update: (_, j) => onJob(j), delete: onJob });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.cronJobs.get(namespace, name);
    if (!cached) return;
    let cj = withKind(structuredClone(cached), 'batch/v1', 'CronJob');
    const before = structuredClone(cj.status ?? {});
    const jobs = this.jobs.list(namespace).filter((j) => isControlledBy(j, cj));
    const now = this.d.clock.now().getTime();

    let requeueMs: number | undefined;
    let failure: unknown;
    try {
      const r = await this.sync(cj, jobs, now);
      cj = r.cj;
      requeueMs = r.requeueMs;
    } catch (e) {
      failure = e;
    }
    if (!cj.metadata?.deletionTimestamp) await this.cleanupFinishedJobs(cj, jobs);
    if (!jsonEqual(before, cj.status ?? {})) {
      try {
        await this.d.client.update(cronJobsRef, namespace, cj, { subresource: 'status' });
      } catch (e) {
        if (!(isApiError(e) && e.reason === 'NotFound')) failure ??= e;
      }
    }
    if (failure) throw failure;
    if (requeueMs !== undefined) this.d.queue.addAfter(key, Math.max(0, requeueMs));
  }

  private timeZone(cj: CronJob): string {
    return cj.spec?.timeZone ?? this.d.localTimeZone ?? 'UTC';
  }

  /** Kubernetes' syncCronJob: returns the CronJob with its new status and when to look again. */
  private async sync(cj: CronJob, jobs: Job[], now: number): Promise<{ cj: CronJob; requeueMs?: number }> {
    const status = (cj.status ??= {});
    const active = (status.active ??= []);
    const inActive = (uid?: string) => active.some((r) => r.uid === uid);
    const drop = (uid?: string) => (status.active = (status.active ?? []).filter((r) => r.uid !== uid));

    const children = new Set<string>();
    for (const j of jobs) {
      children.add(j.metadata?.uid ?? '');
      const finished = finishedCondition(j);
      if (!inActive(j.metadata?.uid) && !finished) {
        // Ours but not listed: we crashed between creating it and writing status, or status lags the cache.
        this.recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata?.name ?? ''}`);
      } else if (inActive(j.metadata?.uid) && finished) {
        drop(j.metadata?.uid);
        this.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata?.name ?? ''}, condition: ${finished.type}`);
      }
      if (finished?.type === 'Complete') {
        const done = parseTime(j.status?.completionTime);
        const last = parseTime(status.lastSuccessfulTime);
        if (done !== undefined && (last === undefined || done > last)) status.lastSuccessfulTime = j.status?.completionTime;
      }
    }
    // Listed but not in the cache: ask the server before declaring it gone (the cache may lag).
    for (const r of [...(status.active ?? [])]) {
      if (children.has(r.uid ?? '')) continue;
      try {
        await this.d.client.get(jobsRef, r.namespace ?? cj.metadata?.namespace, r.name ?? '');
      } catch (e) {
        if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
        this.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${r.name ?? ''}`);
        drop(r.uid);
      }
    }
    if (cj.metadata?.deletionTimestamp) return { cj };
    if (cj.spec?.suspend) return { cj };

    let sched: CronSchedule;
    try {
      sched = parseSchedule(cj.spec?.schedule ?? '', this.timeZone(cj));
    } catch (e) {
      this.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec?.schedule ?? '')} : ${(e as Error).message}`);
      return { cj };
    }
    const state = (): ScheduleState => ({
      creationMs: parseTime(cj.metadata?.creationTimestamp) ?? now,
      lastScheduleMs: parseTime(status.lastScheduleTime),
      startingDeadlineSeconds: cj.spec?.startingDeadlineSeconds ?? undefined,
    });
    const next = nextScheduleTime(state(), now, sched);
    if (next.error) {
      this.recorder.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec?.schedule ?? ''} : ${next.error}`);
      return { cj };
    }
    if (next.tooManyMissed) this.recorder.event(cj, 'Warning', 'TooManyMissedTimes', TOO_MANY_MISSED);
    const later = () => nextScheduleDelayMs(state(), now, sched);
    const scheduled = next.scheduledMs;
    if (scheduled === undefined) return { cj, requeueMs: later() };

    const deadline = cj.spec?.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null && scheduled + deadline * 1000 < now) {
      this.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
      return { cj, requeueMs: later() };
    }
    const name = jobNameFor(cj.metadata?.name ?? '', scheduled);
    if ((status.active ?? []).some((r) => r.name === name) || parseTime(status.lastScheduleTime) === scheduled) return { cj, requeueMs: later() };

    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (status.active ?? []).length > 0) {
      this.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return { cj, requeueMs: later() };
    }
    if (policy === 'Replace') {
      for (const r of [...(status.active ?? [])]) {
        await this.deleteJob(cj, r);
        drop(r.uid);
      }
    }

    const ns = cj.metadata?.namespace;
    let created: Job;
    try {
      created = await this.d.client.create<Job>(jobsRef, ns, jobFromTemplate(cj, scheduled, this.timeZone(cj)));
      this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name ?? ''}`);
    } catch (e) {
      if (!(isApiError(e) && e.reason === 'AlreadyExists')) {
        this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`);
        throw e;
      }
      // Created before a crash (or by someone else): ours and unlisted means our status write was lost.
      created = await this.d.client.get<Job>(jobsRef, ns, name);
      if (!isControlledBy(created, cj) || inActive(created.metadata?.uid)) return { cj };
    }
    status.active = [...(status.active ?? []), jobRef(created) as ObjectReference];
    status.lastScheduleTime = metaTime(scheduled);
    return { cj, requeueMs: later() };
  }

  /** Replace: the running Job goes (its pods with it, in the background). */
  private async deleteJob(cj: CronJob, r: ObjectReference): Promise<void> {
    try {
      await this.d.client.delete(jobsRef, r.namespace ?? cj.metadata?.namespace, r.name ?? '', { propagationPolicy: 'Background' });
    } catch (e) {
      if (!(isApiError(e) && e.reason === 'NotFound')) {
        this.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(e as Error).message}`);
        throw e;
      }
    }
    this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${r.name ?? ''}`);
  }

  /** Keeps the newest successfulJobsHistoryLimit Complete and failedJobsHistoryLimit Failed Jobs. */
  private async cleanupFinishedJobs(cj: CronJob, jobs: Job[]): Promise<void> {
    const ok: Job[] = [];
    const bad: Job[] = [];
    for (const j of jobs) {
      if (j.metadata?.deletionTimestamp) continue;
      const f = finishedCondition(j);
      if (f?.type === 'Complete') ok.push(j);
      else if (f?.type === 'Failed') bad.push(j);
    }
    const trim = async (list: Job[], limit: number | undefined | null) => {
      if (limit === undefined || limit === null || list.length <= limit) return;
      // Oldest start first (no start time counts as newest), the name breaking ties.
      const start = (j: Job) => parseTime(j.status?.startTime) ?? Number.POSITIVE_INFINITY;
      list.sort((a, b) => start(a) - start(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
      for (const j of list.slice(0, list.length - limit)) await this.deleteJob(cj, jobRef(j));
    };
    await trim(ok, cj.spec?.successfulJobsHistoryLimit);
    await trim(bad, cj.spec?.failedJobsHistoryLimit);
  }
}
