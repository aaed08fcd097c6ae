// The Job a CronJob creates for one scheduled time (Kubernetes' getJobFromTemplate2): the template's labels and
// annotations, the scheduled-timestamp annotation in the CronJob's time zone, a controller reference, a name
// that encodes the time.
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { newControllerRef } from '../common/controller-ref.js';
import { CRONJOB_SCHEDULED_TIMESTAMP, type CronJob, type Job } from '../job/types.js';
import { jobNameFor } from './schedule.js';
import { formatRFC3339In } from './zoned.js';

export function jobFromTemplate(cj: CronJob, scheduledMs: number, timeZone: string): Job {
  const t = cj.spec?.jobTemplate;
  const annotations: Record<string, string> = { ...(t?.metadata?.annotations ?? {}) };
  annotations[CRONJOB_SCHEDULED_TIMESTAMP] = formatRFC3339In(scheduledMs, timeZone);
  const meta: NonNullable<Job['metadata']> = {
    name: jobNameFor(cj.metadata?.name ?? '', scheduledMs),
    namespace: cj.metadata?.namespace,
    annotations,
    ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
  };
  if (t?.metadata?.labels) meta.labels = { ...t.metadata.labels };
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: meta, spec: structuredClone(t?.spec) };
}

export function jobRef(job: Job): ObjectReference {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: job.metadata?.name,
    namespace: job.metadata?.namespace,
    uid: job.metadata?.uid,
    resourceVersion: job.metadata?.resourceVersion,
  };
}
