// When a CronJob should run, as Kubernetes' cronjob controller decides it (pure, so tables can test it):
//   - the earliest time to look from is the last schedule time, else the creation time, moved up to
//     now - startingDeadlineSeconds when that is later;
//   - of the activations since then, only the most recent one that is not in the future is run (missed runs are
//     never replayed one by one: at most one catch-up);
//   - more than 100 missed activations is reported (TooManyMissedTimes) but the most recent one still runs;
//   - the controller looks again 100 ms after the next activation.
import type { CronSchedule } from './cron.js';

export type Missed = 'none' | 'few' | 'many';

export interface ScheduleState {
  creationMs: number;
  lastScheduleMs?: number;
  startingDeadlineSeconds?: number;
}

export interface MostRecent {
  earliestMs: number;
  /** The most recent activation at or before now, if any. */
  mostRecentMs?: number;
  missed: Missed;
  /** A schedule that parses but never fires sensibly (e.g. 31 February). */
  error?: string;
}

/** Padding after the next activation, for clock skew. */
export const NEXT_SCHEDULE_DELTA_MS = 100;

export function mostRecentScheduleTime(s: ScheduleState, nowMs: number, sched: CronSchedule, withDeadline: boolean): MostRecent {
  let earliestMs = s.lastScheduleMs ?? s.creationMs;
  if (withDeadline && s.startingDeadlineSeconds !== undefined) {
    const deadline = nowMs - s.startingDeadlineSeconds * 1000;
    if (deadline > earliestMs) earliestMs = deadline;
  }
  const t1 = sched.next(earliestMs);
  if (t1 !== undefined && nowMs < t1) return { earliestMs, missed: 'none' };
  const t2 = t1 === undefined ? undefined : sched.next(t1);
  if (t1 !== undefined && t2 !== undefined && nowMs < t2) return { earliestMs, mostRecentMs: t1, missed: 'none' };
  const between = t1 === undefined || t2 === undefined ? 0 : Math.round((t2 - t1) / 1000);
  if (between < 1 || t1 === undefined) return { earliestMs, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  // Roughly how many activations fit between t1 and now; then walk the last stretch exactly.
  const elapsed = Math.trunc((nowMs - t1) / 1000);
  const missedCount = Math.trunc(elapsed / between) + 1;
  const potentialEarliest = t1 + (missedCount - 2) * between * 1000;
  let mostRecentMs: number | undefined;
  for (let t = sched.next(potentialEarliest); t !== undefined && t <= nowMs; t = sched.next(t)) mostRecentMs = t;
  const missed: Missed = missedCount > 100 ? 'many' : missedCount > 0 ? 'few' : 'none';
  return mostRecentMs === undefined ? { earliestMs, missed } : { earliestMs, mostRecentMs, missed };
}

/** The activation to run now (undefined: none due), and whether to warn about too many missed ones. */
export function nextScheduleTime(s: ScheduleState, nowMs: number, sched: CronSchedule): { scheduledMs?: number; tooManyMissed: boolean; error?: string } {
  const r = mostRecentScheduleTime(s, nowMs, sched, true);
  if (r.mostRecentMs === undefined || r.mostRecentMs > nowMs) return { tooManyMissed: false, ...(r.error ? { error: r.error } : {}) };
  return { scheduledMs: r.mostRecentMs, tooManyMissed: r.missed === 'many' };
}

/** How long until the controller should look at the CronJob again. */
export function nextScheduleDelayMs(s: ScheduleState, nowMs: number, sched: CronSchedule): number {
  const r = mostRecentScheduleTime(s, nowMs, sched, false);
  let from: number;
  if (r.error) from = nowMs;
  else if (r.mostRecentMs === undefined) from = r.missed === 'none' ? r.earliestMs : nowMs;
  else from = r.mostRecentMs;
  const next = sched.next(from);
  // A schedule that never fires again: look once an hour (a spec change requeues sooner).
  if (next === undefined) return 60 * 60 * 1000;
  return next + NEXT_SCHEDULE_DELTA_MS - nowMs;
}

/** Job names carry the scheduled time in minutes since the epoch, so a restarted controller cannot run one twice. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60000)}`;
}
