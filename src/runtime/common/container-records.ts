// What both shim-based runtimes keep on disk per container and sandbox, and how they read it back.
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { realClock } from '../../util/clock.js';
import type { ContainerInfo, ContainerState, Sandbox } from '../types.js';
import { readJson } from './json-file.js';

/** The fields both runtimes record in <containers>/<id>/state.json (each adds its own). */
export interface ShimContainerRecord {
  id: string;
  sandboxId: string;
  podUid: string;
  name: string;
  attempt: number;
  logPath: string;
  netnsPath?: string;
  stdinFifo?: string;
  stdinOnce?: boolean;
  /** The shim's child, alive exactly as long as the container. */
  pid: number;
  pidStart?: string;
  startedAt: string;
}

/** Unique per pod and readable: the container's name, its attempt and a random tail. */
export function newContainerId(name: string, attempt: number): string {
  return `${name}-${attempt}-${randomBytes(4).toString('hex')}`;
}

/** Every record under `dir` (one directory per container holding state.json); unreadable ones are skipped. */
export async function readRecords<R>(dir: string): Promise<R[]> {
  const out: R[] = [];
  for (const id of await readdir(dir).catch(() => [] as string[])) {
    const r = await readJson<R>(join(dir, id, 'state.json'));
    if (r) out.push(r);
  }
  return out;
}

export function containerInfo(rec: ShimContainerRecord, status: ContainerState): ContainerInfo {
  return { id: rec.id, sandboxId: rec.sandboxId, podUid: rec.podUid, name: rec.name, attempt: rec.attempt, status };
}

/** The shim's exit file, "<code> <signal number or -> <epoch ms>"; undefined while the container runs. */
export async function readExitFile(containerDir: string): Promise<{ exitCode: number; signal?: number; finishedAt: Date } | undefined> {
  const exit = await readFile(join(containerDir, 'exit'), 'utf8').catch(() => undefined);
  if (!exit) return undefined;
  const [code, sig, at] = exit.trim().split(' ');
  return { exitCode: Number(code), ...(sig && sig !== '-' ? { signal: Number(sig) } : {}), finishedAt: new Date(Number(at)) };
}

/** The Sandbox the interface hands out, without the runtime's own record fields. */
export function publicSandbox(r: Sandbox): Sandbox {
  return { id: r.id, podUid: r.podUid, ip: r.ip, ...(r.netnsPath ? { netnsPath: r.netnsPath } : {}) };
}

/** Polls `done` about every 20 ms until it holds or `ms` have passed. */
export async function waitUntil(done: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !(await done())) await realClock.sleep(Math.min(20, Math.max(1, deadline - Date.now())));
}
