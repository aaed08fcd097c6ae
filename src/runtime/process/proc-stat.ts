// Process identity on Linux: a pid plus its start time (field 22 of /proc/<pid>/stat, in clock ticks since boot),
// so a pid reused by an unrelated process after a reboot or wrap-around is never mistaken for our container.
import { readFileSync } from 'node:fs';

export function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: the fields after it start after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); field 22 is rest[19]. A zombie counts as gone.
    if (rest[0] === 'Z') return undefined;
    return rest[19];
  } catch {
    return undefined;
  }
}

export function isSameProcess(pid: number, startTime: string | undefined): boolean {
  if (!pid || !startTime) return false;
  return procStartTime(pid) === startTime;
}
