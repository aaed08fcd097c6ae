// The CronJob controller.
import type { Informer } from '../../client/types.js';
import { startReconciler, type ControllerDeps } from '../common/run.js';
import { CronJobController } from './controller.js';

export { CronJobController, type CronJobControllerDeps } from './controller.js';
export { parseSchedule, type CronSchedule } from './cron.js';
export { mostRecentScheduleTime, nextScheduleTime, nextScheduleDelayMs, jobNameFor } from './schedule.js';
export { jobFromTemplate } from './job-from-template.js';

/** Runs until deps.signal aborts. localTimeZone: the zone of schedules without spec.timeZone (default UTC). */
export function startCronJobController(deps: ControllerDeps & { localTimeZone?: string }): Promise<void> {
  return startReconciler('cronjob-controller', deps, (d) => {
    const c = new CronJobController(d);
    return { informers: [c.cronJobs, c.jobs] as Informer[], reconcile: (k) => c.reconcile(k) };
  });
}
