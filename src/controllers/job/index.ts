// The Job controller (with ttl-after-finished built in).
import type { Informer } from '../../client/types.js';
import { startReconciler, type ControllerDeps } from '../common/run.js';
import { JobController } from './controller.js';

export { JobController, type JobControllerDeps, ttlExpiry, pastBackoffLimitOnFailure } from './controller.js';
export { podForJob } from './pod-template.js';
export { formatIndexes, parseIndexes } from './indexes.js';
export { backoffDelayMs, remainingBackoffMs, DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS } from './backoff.js';
export { matchPodFailurePolicy } from './failure-policy.js';
export * from './types.js';

/**
 * Runs until deps.signal aborts. backoffBaseMs/backoffMaxMs: the pod failure backoff (default 10 s doubling,
 * capped at 6 min).
 */
export function startJobController(deps: ControllerDeps & { backoffBaseMs?: number; backoffMaxMs?: number }): Promise<void> {
  return startReconciler('job-controller', deps, (d) => {
    const c = new JobController(d);
    return { informers: [c.jobs, c.pods] as Informer[], reconcile: (k) => c.reconcile(k) };
  });
}
