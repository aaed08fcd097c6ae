import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedule } from './cron.js';
import { formatRFC3339In, localToInstant } from './zoned.js';
import { mostRecentScheduleTime, nextScheduleDelayMs, nextScheduleTime, jobNameFor } from './schedule.js';

const iso = (ms: number | undefined) => (ms === undefined ? 'never' : new Date(ms).toISOString().replace('.000Z', 'Z'));
const at = (s: string) => Date.parse(s);

describe('cron next activation', () => {
  const cases: [string, string, string, string | string[]][] = [
    // schedule, zone, after, expected next (or a chain of nexts)
    ['*/15 * * * *', 'UTC', '2026-01-01T12:07:30Z', '2026-01-01T12:15:00Z'],
    ['* * * * *', 'UTC', '2026-01-01T12:00:00Z', ['2026-01-01T12:01:00Z', '2026-01-01T12:02:00Z']],
    ['@hourly', 'UTC', '2026-01-01T12:00:00Z', '2026-01-01T13:00:00Z'],
    ['@daily', 'UTC', '2026-01-01T12:00:00Z', '2026-01-02T00:00:00Z'],
    ['@weekly', 'UTC', '2026-01-01T12:00:00Z', '2026-01-04T00:00:00Z'],
    ['@monthly', 'UTC', '2026-01-31T12:00:00Z', '2026-02-01T00:00:00Z'],
    ['@yearly', 'UTC', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'],
    ['0 0 1 jan,jul *', 'UTC', '2026-02-01T00:00:00Z', '2026-07-01T00:00:00Z'],
    ['0 12 * * SUN', 'UTC', '2026-01-01T00:00:00Z', '2026-01-04T12:00:00Z'],
    ['5-10/5 3 * * *', 'UTC', '2026-01-01T03:05:00Z', '2026-01-01T03:10:00Z'],
    ['0 9 * * 1-5', 'UTC', '2026-01-02T09:00:00Z', '2026-01-05T09:00:00Z'],
    // Day of month and day of week both restricted: either matches (13th or a Friday).
    ['0 0 13 * 5', 'UTC', '2026-02-01T00:00:00Z', ['2026-02-06T00:00:00Z', '2026-02-13T00:00:00Z', '2026-02-20T00:00:00Z']],
    // One of them a star: both must match (every day of the 13th... only when also any weekday).
    ['0 0 13 * *', 'UTC', '2026-02-01T00:00:00Z', '2026-02-13T00:00:00Z'],
    ['0 0 */10 * 1', 'UTC', '2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z'],
    ['@every 90m', 'UTC', '2026-01-01T12:00:00Z', '2026-01-01T13:30:00Z'],
    // Time zones: 09:00 in Berlin is 08:00 UTC in winter, 07:00 in summer.
    ['0 9 * * 1-5', 'Europe/Berlin', '2026-01-02T08:30:00Z', '2026-01-05T08:00:00Z'],
    ['0 9 * * *', 'Europe/Berlin', '2026-07-01T00:00:00Z', '2026-07-01T07:00:00Z'],
    ['0 0 * * *', 'Asia/Kolkata', '2026-01-01T00:00:00Z', '2026-01-01T18:30:00Z'],
    // DST, New York 2026: 02:30 does not exist on 8 March (skipped that day); 01:30 happens twice on 1 November.
    ['30 2 * * *', 'America/New_York', '2026-03-07T17:00:00Z', '2026-03-09T06:30:00Z'],
    ['30 1 * * *', 'America/New_York', '2026-10-31T17:00:00Z', ['2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z', '2026-11-02T06:30:00Z']],
    ['0 * * * *', 'America/New_York', '2026-03-08T06:30:00Z', ['2026-03-08T07:00:00Z', '2026-03-08T08:00:00Z']],
    ['0 0 * * *', 'America/New_York', '2026-03-07T12:00:00Z', ['2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z']],
    // Never: 31 February.
    ['0 0 31 2 *', 'UTC', '2026-01-01T00:00:00Z', 'never'],
  ];
  for (const [spec, tz, after, want] of cases) {
    it(`${spec} in ${tz} after ${after}`, () => {
      const s = parseSchedule(spec, tz);
      const chain = Array.isArray(want) ? want : [want];
      let t: number | undefined = at(after);
      const got: string[] = [];
      for (let i = 0; i < chain.length; i++) {
        t = s.next(t!);
        got.push(iso(t));
        if (t === undefined) break;
      }
      assert.deepEqual(got, chain);
    });
  }

  it('rejects what validation rejects, with the parser message', () => {
    assert.throws(() => parseSchedule('* * * *'), /expected exactly 5 fields, found 4/);
    assert.throws(() => parseSchedule('61 * * * *'), /end of range \(61\) above maximum \(59\)/);
    assert.throws(() => parseSchedule('@fortnightly'), /unrecognized descriptor/);
  });
});

describe('zone arithmetic', () => {
  it('resolves wall times like Go time.Date', () => {
    assert.equal(iso(localToInstant('America/New_York', 2026, 1, 15, 12)), '2026-01-15T17:00:00Z');
    assert.equal(iso(localToInstant('America/New_York', 2026, 7, 15, 12)), '2026-07-15T16:00:00Z');
    assert.equal(iso(localToInstant('UTC', 2026, 13, 1)), '2027-01-01T00:00:00Z');
    assert.equal(formatRFC3339In(at('2026-07-15T16:00:00Z'), 'America/New_York'), '2026-07-15T12:00:00-04:00');
    assert.equal(formatRFC3339In(at('2026-07-15T16:00:00Z'), 'UTC'), '2026-07-15T16:00:00Z');
    assert.equal(formatRFC3339In(at('2026-01-01T00:00:00Z'), 'Asia/Kolkata'), '2026-01-01T05:30:00+05:30');
  });
});

describe('most recent activation (missed runs)', () => {
  const every = parseSchedule('* * * * *');
  const created = at('2026-01-01T12:00:00Z');
  const cases: { name: string; last?: string; deadline?: number; now: string; want?: string; missed: string; createNow?: string; tooMany?: boolean }[] = [
    { name: 'nothing due yet', now: '2026-01-01T12:00:30Z', missed: 'none' },
    { name: 'one due', now: '2026-01-01T12:01:30Z', want: '2026-01-01T12:01:00Z', missed: 'none' },
    { name: 'several missed: only the latest runs', last: '2026-01-01T12:01:00Z', now: '2026-01-01T12:05:10Z', want: '2026-01-01T12:05:00Z', missed: 'few' },
    { name: 'ten hours down: too many, still the latest', now: '2026-01-01T22:00:30Z', want: '2026-01-01T22:00:00Z', missed: 'many', tooMany: true },
    { name: 'a starting deadline bounds the count', deadline: 200, now: '2026-01-01T22:00:30Z', want: '2026-01-01T22:00:00Z', missed: 'few', tooMany: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const st = { creationMs: created, lastScheduleMs: c.last ? at(c.last) : undefined, startingDeadlineSeconds: c.deadline };
      const r = mostRecentScheduleTime(st, at(c.now), every, true);
      assert.equal(r.mostRecentMs === undefined ? undefined : iso(r.mostRecentMs), c.want);
      assert.equal(r.missed, c.missed);
      if (c.tooMany !== undefined) assert.equal(nextScheduleTime(st, at(c.now), every).tooManyMissed, c.tooMany);
    });
  }
  it('31 February is an invalid schedule', () => {
    const r = nextScheduleTime({ creationMs: created }, at('2026-03-01T00:00:00Z'), parseSchedule('0 0 31 2 *'));
    assert.equal(r.error, 'time difference between two schedules is less than 1 second');
  });
  it('requeues 100 ms after the next activation', () => {
    const st = { creationMs: created, lastScheduleMs: at('2026-01-01T12:01:00Z') };
    assert.equal(nextScheduleDelayMs(st, at('2026-01-01T12:01:00.500Z'), every), 59_600);
    // Missed ones pending: look from now.
    assert.equal(nextScheduleDelayMs(st, at('2026-01-01T12:05:10Z'), every), 50_100);
  });
  it('names jobs by minutes since the epoch', () => {
    assert.equal(jobNameFor('hello', at('2026-01-01T12:01:00Z')), `hello-${at('2026-01-01T12:01:00Z') / 60000}`);
  });
});
