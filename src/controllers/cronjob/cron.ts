// Cron schedules as Kubernetes reads them (robfig/cron's standard parser): five fields (minute hour dom month dow)
// with names, ranges, steps and lists, the @yearly..@hourly descriptors, and @every <duration>. next() walks the
// wall clock of the schedule's time zone the way that library does, so DST days behave alike: a time skipped by
// spring-forward does not run that day, and a time repeated by fall-back runs twice.
import { cronScheduleError } from '../../api/validation/cron.js';
import { localToInstant, wallFields } from './zoned.js';

export interface CronSchedule {
  /** The first activation strictly after `afterMs` (whole seconds), or undefined when none comes within 5 years. */
  next(afterMs: number): number | undefined;
}

interface Field {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTH_NAMES = Object.fromEntries(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((m, i) => [m, i + 1]));
const DOW_NAMES = Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d, i) => [d, i]));
const FIELDS: Field[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTH_NAMES },
  { min: 0, max: 6, names: DOW_NAMES },
];

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface ParsedField {
  values: Set<number>;
  /** Written as * or ? (without a step above 1): decides how day-of-month and day-of-week combine. */
  star: boolean;
}

function parseField(expr: string, f: Field): ParsedField {
  const values = new Set<number>();
  let star = false;
  const num = (s: string) => f.names?.[s.toLowerCase()] ?? Number(s);
  for (const part of expr.split(',')) {
    if (part === '') continue;
    const [range = '', stepText] = part.split('/');
    const [lo = '', hi] = range.split('-');
    let start: number;
    let end: number;
    let isStar = false;
    if (lo === '*' || lo === '?') {
      start = f.min;
      end = f.max;
      isStar = true;
    } else {
      start = num(lo);
      end = hi !== undefined ? num(hi) : start;
    }
    let step = 1;
    if (stepText !== undefined) {
      step = Number(stepText);
      if (hi === undefined) end = f.max;
      if (step > 1) isStar = false;
    }
    for (let v = start; v <= end; v += step) values.add(v);
    star ||= isStar;
  }
  return { values, star };
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

class SpecSchedule implements CronSchedule {
  constructor(
    private readonly minute: ParsedField,
    private readonly hour: ParsedField,
    private readonly dom: ParsedField,
    private readonly month: ParsedField,
    private readonly dow: ParsedField,
    private readonly tz: string,
  ) {}

  private dayMatches(day: number, weekday: number): boolean {
    const d = this.dom.values.has(day);
    const w = this.dow.values.has(weekday);
    return this.dom.star || this.dow.star ? d && w : d || w;
  }

  next(afterMs: number): number | undefined {
    const tz = this.tz;
    const F = (ms: number) => wallFields(ms, tz);
    let t = Math.floor(afterMs / SECOND) * SECOND + SECOND;
    let added = false;
    const yearLimit = F(t).year + 5;
    wrap: for (;;) {
      let f = F(t);
      if (f.year > yearLimit) return undefined;
      while (!this.month.values.has(f.month)) {
        if (!added) {
          added = true;
          t = localToInstant(tz, f.year, f.month, 1);
          f = F(t);
        }
        t = localToInstant(tz, f.year, f.month + 1, f.day, f.hour, f.minute, f.second);
        f = F(t);
        if (f.month === 1) continue wrap;
      }
      while (!this.dayMatches(f.day, f.weekday)) {
        if (!added) {
          added = true;
          t = localToInstant(tz, f.year, f.month, f.day);
          f = F(t);
        }
        t = localToInstant(tz, f.year, f.month, f.day + 1, f.hour, f.minute, f.second);
        f = F(t);
        // A DST change can leave the walk at 23:00 or 01:00 instead of midnight: step back onto midnight.
        if (f.hour !== 0) {
          t += (f.hour > 12 ? 24 - f.hour : -f.hour) * HOUR;
          f = F(t);
        }
        if (f.day === 1) continue wrap;
      }
      while (!this.hour.values.has(f.hour)) {
        if (!added) {
          added = true;
          t = localToInstant(tz, f.year, f.month, f.day, f.hour);
          f = F(t);
        }
        t += HOUR;
        f = F(t);
        if (f.hour === 0) continue wrap;
      }
      while (!this.minute.values.has(f.minute)) {
        if (!added) {
          added = true;
          t = Math.floor(t / MINUTE) * MINUTE;
        }
        t += MINUTE;
        f = F(t);
        if (f.minute === 0) continue wrap;
      }
      if (f.second !== 0) {
        // Standard schedules fire at second 0: the library steps second by second to the next minute and rewraps.
        if (!added) added = true;
        t = Math.floor(t / SECOND) * SECOND + (60 - f.second) * SECOND;
        continue wrap;
      }
      return t;
    }
  }
}

/** @every <d>: a fixed delay from the given time, in whole seconds (at least one). */
class EverySchedule implements CronSchedule {
  constructor(private readonly delayMs: number) {}
  next(afterMs: number): number {
    return Math.floor(afterMs / SECOND) * SECOND + this.delayMs;
  }
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: SECOND, m: MINUTE, h: HOUR };

function parseGoDuration(d: string): number {
  let ms = 0;
  for (const m of d.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
  return ms;
}

/**
 * Parses a schedule for a time zone ("UTC", "Europe/Berlin"...). Throws with the parser's message, which the
 * controller reports in an UnparseableSchedule event. A TZ=/CRON_TZ= prefix (allowed only on old objects) wins.
 */
export function parseSchedule(spec: string, timeZone = 'UTC'): CronSchedule {
  const err = cronScheduleError(spec);
  if (err) throw new Error(err);
  let s = spec.trim();
  let tz = timeZone;
  if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
    const i = s.indexOf(' ');
    tz = s.slice(s.indexOf('=') + 1, i);
    s = s.slice(i).trim();
  }
  if (s.startsWith('@every ')) {
    const ms = Math.floor(parseGoDuration(s.slice(7)) / SECOND) * SECOND;
    return new EverySchedule(Math.max(ms, SECOND));
  }
  const fields = (DESCRIPTORS[s] ?? s).split(/\s+/).filter((x) => x !== '');
  const p = fields.map((f, i) => parseField(f, FIELDS[i]!));
  return new SpecSchedule(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, tz);
}
