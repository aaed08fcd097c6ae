// Wall-clock fields of an instant in an IANA time zone, and the reverse, with Intl only (no tz database of our own).
// localToInstant follows Go's time.Date: fields out of range roll over, and a wall time that a DST change skips
// or repeats is resolved the way Go resolves it (the zone offset in effect just before the change is tried first).

export interface WallFields {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
      era: 'short',
    });
    formats.set(tz, f);
  }
  return f;
}

const isUTC = (tz: string) => tz === 'UTC' || tz === 'Etc/UTC' || tz === 'GMT';

export function wallFields(ms: number, tz: string): WallFields {
  if (isUTC(tz)) {
    const d = new Date(ms);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay() };
  }
  const out: WallFields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 0 };
  let bc = false;
  for (const p of formatFor(tz).formatToParts(new Date(ms))) {
    switch (p.type) {
      case 'year': out.year = Number(p.value); break;
      case 'month': out.month = Number(p.value); break;
      case 'day': out.day = Number(p.value); break;
      case 'hour': out.hour = Number(p.value) % 24; break;
      case 'minute': out.minute = Number(p.value); break;
      case 'second': out.second = Number(p.value); break;
      case 'weekday': out.weekday = WEEKDAYS[p.value] ?? 0; break;
      case 'era': bc = p.value === 'BC' || p.value === 'B'; break;
    }
  }
  if (bc) out.year = 1 - out.year;
  return out;
}

/** The zone's offset from UTC at an instant, in ms (wall time minus UTC). */
export function offsetAt(ms: number, tz: string): number {
  if (isUTC(tz)) return 0;
  const f = wallFields(ms, tz);
  const wall = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The instant of a wall time (Go's time.Date): out-of-range fields normalise, gaps and overlaps as Go decides. */
export function localToInstant(tz: string, year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  if (isUTC(tz)) return wall;
  // Go looks up the offset at the wall time read as UTC, and corrects once if the result falls outside that offset.
  const off1 = offsetAt(wall, tz);
  const utc = wall - off1;
  const off2 = offsetAt(utc, tz);
  return off2 === off1 ? utc : wall - off2;
}

/** RFC 3339 in the zone, with its offset ("2026-03-08T01:30:00-05:00"; "Z" for UTC), as Go's time.RFC3339 prints. */
export function formatRFC3339In(ms: number, tz: string): string {
  const f = wallFields(ms, tz);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const base = `${String(f.year).padStart(4, '0')}-${p2(f.month)}-${p2(f.day)}T${p2(f.hour)}:${p2(f.minute)}:${p2(f.second)}`;
  const off = Math.round(offsetAt(ms, tz) / 60000);
  if (off === 0) return `${base}Z`;
  const a = Math.abs(off);
  return `${base}${off < 0 ? '-' : '+'}${p2(Math.floor(a / 60))}:${p2(a % 60)}`;
}
