// The Job controller (with ttl-after-finished built in).
import type { Informer } from '../../client/types.js';
import { newQueue, runController, type ControllerDeps } from '../common/run.js';
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
  const name = 'job-controller';
  const queue = newQueue(deps.clock, name);
  const c = new JobController({ ...deps, logger: deps.logger.child(name), queue });
  return runController({ name, deps, queue, informers: [c.jobs as Informer, c.pods as Informer], reconcile: (k) => c.reconcile(k) });
}
