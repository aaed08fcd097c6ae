// The machine's cgroup layout and what we read from a container's cgroup. runc/crun write the limits from
// config.json; we only choose cgroupsPath (the "fs" driver form /tugboat/pod<uid>/<container>, the same path on v1 and
// v2), read the OOM-kill counter and usage, and remove the pod's directories when it goes.
import { existsSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

export type CgroupLayout = { version: 1; root: string } | { version: 2; root: string };

export const CGROUP_PARENT = 'tugboat';

/** v2 when the unified hierarchy is mounted at the root (cgroup.controllers there), else v1 (hybrid included). */
export function detectCgroupLayout(root = '/sys/fs/cgroup'): CgroupLayout {
  return existsSync(join(root, 'cgroup.controllers')) ? { version: 2, root } : { version: 1, root };
}

export function podCgroup(podUid: string): string {
  return `/${CGROUP_PARENT}/pod${podUid.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export function containerCgroup(podUid: string, containerId: string): string {
  return `${podCgroup(podUid)}/${containerId}`;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function field(text: string | undefined, key: string): number | undefined {
  const m = text === undefined ? null : new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** How many times the kernel's OOM killer killed a process of this cgroup (0 when unknown). */
export function oomKills(l: CgroupLayout, path: string): number {
  if (l.version === 2) return field(read(join(l.root, path, 'memory.events')), 'oom_kill') ?? 0;
  return field(read(join(l.root, 'memory', path, 'memory.oom_control')), 'oom_kill') ?? 0;
}

export interface CgroupUsage {
  /** Cumulative CPU seconds of the cgroup's processes. */
  cpuSeconds: number;
  /** Usage minus inactive file pages: kubelet's working set. */
  memoryWorkingSetBytes: number;
}

export function cgroupUsage(l: CgroupLayout, path: string): CgroupUsage | undefined {
  if (l.version === 2) {
    const cpu = field(read(join(l.root, path, 'cpu.stat')), 'usage_usec');
    const mem = Number(read(join(l.root, path, 'memory.current')) ?? NaN);
    if (cpu === undefined || !Number.isFinite(mem)) return undefined;
    const inactive = field(read(join(l.root, path, 'memory.stat')), 'inactive_file') ?? 0;
    return { cpuSeconds: cpu / 1e6, memoryWorkingSetBytes: Math.max(0, mem - inactive) };
  }
  const cpu = Number(read(join(l.root, 'cpuacct', path, 'cpuacct.usage')) ?? NaN);
  const mem = Number(read(join(l.root, 'memory', path, 'memory.usage_in_bytes')) ?? NaN);
  if (!Number.isFinite(cpu) || !Number.isFinite(mem)) return undefined;
  const inactive = field(read(join(l.root, 'memory', path, 'memory.stat')), 'total_inactive_file') ?? 0;
  return { cpuSeconds: cpu / 1e9, memoryWorkingSetBytes: Math.max(0, mem - inactive) };
}

/**
 * The directories of a cgroup path: one per v1 hierarchy (cpu, memory, ...) or one on v2. On a hybrid machine
 * runc also makes the path in the v2 tree mounted at `unified`: it is listed too, so removal leaves nothing.
 */
export function cgroupDirs(l: CgroupLayout, path: string): string[] {
  if (l.version === 2) return [join(l.root, path)];
  const out: string[] = [];
  for (const h of readdirSync(l.root)) {
    if (!existsSync(join(l.root, h, 'cgroup.procs'))) continue;
    out.push(join(l.root, h, path));
  }
  return out;
}

/** Removes the cgroup directories of path, children first; busy or missing ones are left alone. */
export function removeCgroup(l: CgroupLayout, path: string): void {
  for (const dir of cgroupDirs(l, path)) removeTree(dir);
}

function removeTree(dir: string): void {
  let kids: string[];
  try {
    kids = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return;
  }
  for (const k of kids) removeTree(join(dir, k));
  try {
    rmdirSync(dir);
  } catch {
    /* busy (a process is still in it) or already gone */
  }
}

/** Whether any v1 hierarchy or the v2 tree still has a directory for path (tests and leak checks). */
export function cgroupExists(l: CgroupLayout, path: string): boolean {
  return cgroupDirs(l, path).some((d) => existsSync(d));
}
