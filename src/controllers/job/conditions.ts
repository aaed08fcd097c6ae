// Job conditions and their Kubernetes reasons and messages. Since 1.31 a job first gets an interim condition
// (SuccessCriteriaMet or FailureTarget) and the final one (Complete or Failed) only once its pods have stopped.
import type { JobCondition } from 'kubernetes-types/batch/v1.js';
import { metaTime } from './types.js';

export const REASON = {
  completionsReached: { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
  backoffLimit: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
  deadline: { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' },
  failedIndexes: { reason: 'FailedIndexes', message: 'Job has failed indexes' },
  maxFailedIndexes: { reason: 'MaxFailedIndexesExceeded', message: 'Job has exceeded the specified maximal number of failed indexes' },
  suspended: { reason: 'JobSuspended', message: 'Job suspended' },
  resumed: { reason: 'JobResumed', message: 'Job resumed' },
} as const;

export interface Why {
  reason: string;
  message: string;
}

export function findCondition(conds: readonly JobCondition[] | undefined, type: string): JobCondition | undefined {
  return conds?.find((c) => c.type === type);
}

export function isTrue(conds: readonly JobCondition[] | undefined, type: string): boolean {
  return findCondition(conds, type)?.status === 'True';
}

/** Sets a condition (adding it when new); a False condition that does not exist is not added. Returns the list. */
export function setCondition(conds: JobCondition[], type: string, status: 'True' | 'False', why: Why, now: Date): JobCondition[] {
  const old = findCondition(conds, type);
  if (!old) {
    if (status === 'False') return conds;
    return [...conds, { type, status, reason: why.reason, message: why.message, lastProbeTime: metaTime(now), lastTransitionTime: metaTime(now) }];
  }
  if (old.status === status && old.reason === why.reason && old.message === why.message) return conds;
  const t = metaTime(now);
  return conds.map((c) =>
    c === old ? { ...c, status, reason: why.reason, message: why.message, lastProbeTime: t, lastTransitionTime: old.status === status ? (c.lastTransitionTime ?? t) : t } : c,
  );
}
