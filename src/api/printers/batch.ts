// batch/v1 printers: Jobs (with the STATUS column added in 1.30) and CronJobs (with TIMEZONE).
import type { KubeObject } from '../object.js';
import { AGE, CONTAINERS, IMAGES, NAME, col, wideSelector } from './columns.js';
import { age, boolPtr, containerCells, count, formatLabelSelector, humanDuration, int, obj, objs, parseTime, str } from './format.js';
import type { Printer } from './types.js';

const SELECTOR_DOC = 'A label query over pods that should match the pod count.';

const conditionTrue = (o: KubeObject, type: string): boolean =>
  objs(obj(o.status).conditions).find((c) => c.type === type)?.status === 'True';

export function jobStatus(o: KubeObject): string {
  if (conditionTrue(o, 'Complete')) return 'Complete';
  if (conditionTrue(o, 'Failed')) return 'Failed';
  if (o.metadata?.deletionTimestamp) return 'Terminating';
  if (conditionTrue(o, 'Suspended')) return 'Suspended';
  if (conditionTrue(o, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** "2/3"; without completions, "1/1" or "0/1 of 4" for a parallel work queue. */
export function jobCompletions(o: KubeObject): string {
  const spec = obj(o.spec);
  const succeeded = int(obj(o.status).succeeded);
  if (typeof spec.completions === 'number') return `${succeeded}/${int(spec.completions)}`;
  const parallelism = int(spec.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

export function jobDuration(o: KubeObject, now: Date): string {
  const st = obj(o.status);
  const start = parseTime(st.startTime);
  if (start === undefined) return '';
  const end = parseTime(st.completionTime);
  return humanDuration((end ?? now.getTime()) - start);
}

export const jobPrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    col('Duration', 'string', 'Time required to complete the job.'),
    AGE,
    CONTAINERS,
    IMAGES,
    wideSelector(SELECTOR_DOC),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const [names, images] = containerCells(obj(obj(spec.template).spec).containers);
    return [o.metadata?.name ?? '', jobStatus(o), jobCompletions(o), jobDuration(o, now), age(o.metadata?.creationTimestamp, now), names, images, formatLabelSelector(spec.selector)];
  },
};

export const cronJobPrinter: Printer = {
  columns: [
    NAME,
    col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.'),
    col('Active', 'integer', 'A list of pointers to currently running jobs.'),
    col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    AGE,
    CONTAINERS,
    IMAGES,
    wideSelector(SELECTOR_DOC),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const st = obj(o.status);
    const jobSpec = obj(obj(spec.jobTemplate).spec);
    const [names, images] = containerCells(obj(obj(jobSpec.template).spec).containers);
    const last = str(st.lastScheduleTime) ? age(str(st.lastScheduleTime), now) : '<none>';
    return [
      o.metadata?.name ?? '',
      str(spec.schedule),
      str(spec.timeZone) || '<none>',
      boolPtr(spec.suspend),
      count(st.active),
      last,
      age(o.metadata?.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(jobSpec.selector),
    ];
  },
};
