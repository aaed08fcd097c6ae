// Reading CPU time and memory from Linux's /proc (and cgroup v2 files where a container has a cgroup).
// The procfs root is a parameter so tests can point it at a fixture directory.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** USER_HZ: /proc reports CPU time in these ticks; 100 on every Linux architecture Node runs on. */
export const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessUsage {
  pid: number;
  /** Process group id (field 5 of stat). */
  pgrp: number;
  /** utime + stime, in seconds. */
  cpuSeconds: number;
  /** Field 22: start time in ticks since boot; tells a reused pid from the process we saw before. */
  startTicks: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Parses one /proc/<pid>/stat line; undefined for a zombie or an unreadable line. */
export function parseProcStat(pid: number, text: string): ProcessUsage | undefined {
  // comm (field 2) may hold spaces and parentheses: the fields after it start after the last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const rest = text.slice(close + 2).trim().split(' ');
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  if (rest[0] === 'Z' || rest.length < 20) return undefined;
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const pgrp = Number(rest[2]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || !Number.isFinite(pgrp)) return undefined;
  return { pid, pgrp, cpuSeconds: (utime + stime) / CLOCK_TICKS_PER_SECOND, startTicks: rest[19] ?? '' };
}

/** Every live process whose group is one of pgids. One pass over /proc. */
export function processesInGroups(pgids: ReadonlySet<number>, procRoot = '/proc'): ProcessUsage[] {
  if (pgids.size === 0) return [];
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return [];
  }
  const out: ProcessUsage[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const text = readText(join(procRoot, n, 'stat'));
    const u = text === undefined ? undefined : parseProcStat(Number(n), text);
    if (u && pgids.has(u.pgrp)) out.push(u);
  }
  return out;
}

/** VmRSS of a process in bytes (0 when gone or a kernel thread). */
export function residentBytes(pid: number, procRoot = '/proc'): number {
  const text = readText(join(procRoot, String(pid), 'status'));
  const m = text === undefined ? null : /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Cumulative busy CPU seconds of the whole machine (the "cpu" line of /proc/stat minus idle and iowait). */
export function parseNodeCpuSeconds(text: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const busy = [0, 1, 2, 5, 6, 7].reduce((s, i) => s + (f[i] ?? 0), 0);
  return busy / CLOCK_TICKS_PER_SECOND;
}

/** Working set of the machine: what is in use and cannot simply be dropped (MemTotal - MemAvailable). */
export function parseNodeWorkingSet(text: string): number | undefined {
  const kb = (k: string) => {
    const m = new RegExp(`^${k}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const total = kb('MemTotal');
  const avail = kb('MemAvailable') ?? kb('MemFree');
  if (total === undefined || avail === undefined) return undefined;
  return (total - avail) * 1024;
}

export function readNodeUsage(procRoot = '/proc'): { cpuSeconds?: number; memoryWorkingSetBytes?: number } {
  const stat = readText(join(procRoot, 'stat'));
  const mem = readText(join(procRoot, 'meminfo'));
  return {
    cpuSeconds: stat === undefined ? undefined : parseNodeCpuSeconds(stat),
    memoryWorkingSetBytes: mem === undefined ? undefined : parseNodeWorkingSet(mem),
  };
}

/**
 * A cgroup v2 directory's usage: cpu.stat usage_usec and memory.current minus inactive_file (the working set as
 * cAdvisor computes it). Undefined when the files are not there.
 */
export function readCgroupUsage(dir: string): { cpuSeconds: number; memoryWorkingSetBytes: number } | undefined {
  const cpu = readText(join(dir, 'cpu.stat'));
  const current = readText(join(dir, 'memory.current'));
  if (cpu === undefined || current === undefined) return undefined;
  const usec = /^usage_usec (\d+)/m.exec(cpu);
  if (!usec) return undefined;
  const inactive = /^inactive_file (\d+)/m.exec(readText(join(dir, 'memory.stat')) ?? '');
  const ws = Math.max(0, Number(current.trim()) - (inactive ? Number(inactive[1]) : 0));
  return { cpuSeconds: Number(usec[1]) / 1e6, memoryWorkingSetBytes: ws };
}
