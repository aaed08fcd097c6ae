// batch/v1 objects as the job and cronjob controllers read and write them, and the well-known names they use.
import type { KubeObject } from '../../api/object.js';
import type { CronJobSpec, CronJobStatus, JobCondition, JobSpec, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { ResourceRef } from '../../client/types.js';

export interface Job extends KubeObject {
  spec?: JobSpec;
  status?: JobStatus;
}

export interface CronJob extends KubeObject {
  spec?: CronJobSpec;
  status?: CronJobStatus;
}

export type { JobCondition };

export const jobsRef: ResourceRef = { group: 'batch', version: 'v1', resource: 'jobs', namespaced: true };
export const cronJobsRef: ResourceRef = { group: 'batch', version: 'v1', resource: 'cronjobs', namespaced: true };

/** Holds a finished pod until the job controller has counted it. */
export const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count';
export const INDEX_IGNORED_FAILURE_COUNT = 'batch.kubernetes.io/job-index-ignored-failure-count';
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
export const CRONJOB_SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** metav1.Time: RFC 3339 in whole seconds. */
export function metaTime(ms: number | Date): string {
  return new Date(typeof ms === 'number' ? ms : ms.getTime()).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function parseTime(s: string | undefined | null): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

export function jobCondition(job: Job, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** Complete or Failed (the final conditions; the interim ones do not count). */
export function finishedCondition(job: Job): JobCondition | undefined {
  return jobCondition(job, 'Complete') ?? jobCondition(job, 'Failed');
}
