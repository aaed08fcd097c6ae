// The scheduler's public face: startScheduler for `tug server`, plus the pieces tests and benchmarks use.
import { Scheduler, type SchedulerDeps } from './scheduler.js';

export { Scheduler, DEFAULT_SCHEDULER_NAME, type SchedulerDeps, type SchedulerStats } from './scheduler.js';
export { SchedulerCache } from './cache.js';
export { Framework, numFeasibleNodesToFind } from './framework.js';
export { newFramework, defaultProfile, registry, type ProfilePlugin } from './registry.js';
export { newPodInfo, type PodInfo } from './pod-info.js';
export { fitErrorMessage } from './fit-error.js';
export { CycleState } from './types.js';

export interface RunningScheduler {
  scheduler: Scheduler;
  /** Resolves when the loop has stopped (after the signal aborted) and in-flight writes have finished. */
  done: Promise<void>;
}

/**
 * Registers the scheduler's informers (pods, nodes, namespaces, priorityclasses, poddisruptionbudgets), starts
 * them, waits for their first sync, then runs the scheduling loop until deps.signal aborts.
 */
export async function startScheduler(deps: SchedulerDeps): Promise<RunningScheduler> {
  const scheduler = new Scheduler(deps);
  await deps.informers.start(deps.signal);
  const done = scheduler.run(deps.signal).catch((e: unknown) => deps.logger.error('scheduler stopped', { err: e }));
  return { scheduler, done };
}
