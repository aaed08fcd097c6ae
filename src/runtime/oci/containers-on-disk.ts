// A read-only view of the OCI runtime's containers from another process (`tug images rm`): what each container
// stacks under its rootfs and whether it still runs, from the records runtime.ts writes, /proc/self/mountinfo and
// runc's own state. Nothing here writes.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ShimContainerRecord } from '../common/container-records.js';
import { readJson } from '../common/json-file.js';

/** One runtime's directory and the binary that runs its containers. */
export interface OciRuntimeDir {
  dir: string;
  binary: string;
}

/**
 * Where `tug server`/`tug agent` keep each OCI handler (src/node/defaults.ts: runc's directly in the data dir,
 * crun's under DATA/crun).
 */
export function ociRuntimeDirs(dataDir: string): OciRuntimeDir[] {
  return [
    { dir: dataDir, binary: 'runc' },
    { dir: join(dataDir, 'crun'), binary: 'crun' },
  ];
}

/**
 * Whether a container still stands on its image:
 * - live: runc reports it creating, created, running or paused (its processes exist, frozen or not);
 * - starting: no record yet, runc does not know it, and its directory is younger than the runtime's 60 s start
 *   timeout: the agent is between mounting the rootfs and writing the record (written once runc runs it);
 * - exited: runc reports it stopped (kept by `runc run --keep` until the agent removes it);
 * - gone: runc does not know it (deleted, or crun, which keeps nothing), or a record-less leftover of a crash.
 * When runc cannot answer but still holds state for the id, it counts as live: refusing is the safe mistake.
 */
export type Liveness = 'live' | 'starting' | 'exited' | 'gone';

export interface OnDiskContainer {
  id: string;
  /** <runtime dir>/containers/<id> */
  dir: string;
  /** state.json, once the runtime has written it. */
  record?: ShimContainerRecord;
  /** The overlay's lower directories, top first, resolved; empty when the rootfs is not an overlay mount (copied). */
  lowerDirs: string[];
}

const START_WINDOW_MS = 60_000;

/** Pure: the verdict from what runc said (undefined: it does not know the id) and what is on disk. */
export function livenessOf(o: { runcStatus: string | undefined; runcHasState: boolean; hasRecord: boolean; ageMs: number }): Liveness {
  if (o.runcStatus === 'stopped') return 'exited';
  if (o.runcStatus !== undefined) return 'live';
  if (o.runcHasState) return 'live';
  if (!o.hasRecord && o.ageMs < START_WINDOW_MS) return 'starting';
  return 'gone';
}

/** mountinfo's octal escapes (\040 for a space...). */
function unoctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Splits on sep where it is not escaped with a backslash (overlayfs option syntax), keeping the escapes. */
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) cur += c + s[++i];
    else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const unescapeOpt = (s: string): string => s.replace(/\\(.)/g, '$1');

/** Pure: mount point -> lowerdir list (top first) of every overlay mount in a mountinfo text. */
export function overlayLowerDirs(mountinfo: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of mountinfo.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const [fstype, , superOpts = ''] = line.slice(dash + 3).split(' ');
    if (fstype !== 'overlay') continue;
    const mountPoint = unoctal(line.slice(0, dash).split(' ')[4] ?? '');
    const opts = splitUnescaped(unoctal(superOpts), ',');
    // Newer kernels may list lower layers one option each (lowerdir+=); the classic form is one ':'-list.
    const lowers = opts.flatMap((o) =>
      o.startsWith('lowerdir=') ? splitUnescaped(o.slice(9), ':') : o.startsWith('lowerdir+=') ? [o.slice(10)] : [],
    ).map(unescapeOpt);
    if (lowers.length) out.set(mountPoint, lowers);
  }
  return out;
}

const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/** Every container directory of the runtime at `dir`, with its record (if any) and its overlay's lowers. */
export async function containersOnDisk(dir: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): Promise<OnDiskContainer[]> {
  const mounts = overlayLowerDirs(mountinfo);
  const out: OnDiskContainer[] = [];
  for (const id of await readdir(join(dir, 'containers')).catch(() => [] as string[])) {
    const cdir = join(dir, 'containers', id);
    const record = await readJson<ShimContainerRecord>(join(cdir, 'state.json'));
    const lowers = mounts.get(real(join(cdir, 'rootfs'))) ?? [];
    out.push({ id, dir: cdir, ...(record ? { record } : {}), lowerDirs: lowers.map(real) });
  }
  return out;
}

/** `<binary> --root <dir>/runc state <id>`'s status, or undefined when it fails (unknown id, no binary). */
export function runcStatus(binary: string, runcRoot: string, id: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const c = spawn(binary, ['--root', runcRoot, 'state', id], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.once('error', () => resolve(undefined));
    c.once('close', (code) => {
      if (code !== 0) return resolve(undefined);
      try {
        const s = (JSON.parse(out) as { status?: unknown }).status;
        resolve(typeof s === 'string' ? s : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}

/** How a container found on disk stands now (see Liveness). */
export async function livenessOnDisk(rt: OciRuntimeDir, c: OnDiskContainer, now = Date.now()): Promise<Liveness> {
  const runcRoot = join(rt.dir, 'runc');
  const status = await runcStatus(rt.binary, runcRoot, c.id);
  let ageMs = Infinity;
  try {
    ageMs = now - statSync(c.dir).mtimeMs;
  } catch {
    /* removed meanwhile */
  }
  // runc and crun both keep a directory per container under their root while they know it.
  return livenessOf({ runcStatus: status, runcHasState: existsSync(join(runcRoot, c.id)), hasRecord: !!c.record, ageMs });
}

export interface ImageUser {
  id: string;
  podUid?: string;
  /** The container's name in its pod. */
  name?: string;
  liveness: 'live' | 'starting';
}

/**
 * The containers of every OCI runtime under dataDir that stand on any of `layerDirs` now: their overlay stacks one
 * of them and they are live or starting. Exited ones are left out: their processes are gone, so deleting the
 * layers takes nothing from under a running program (a restart makes a new container, which pulls again).
 */
export async function containersStandingOn(o: {
  dataDir: string;
  layerDirs: string[];
  /** Tests: a mountinfo text and runtimes with a stand-in binary. */
  mountinfo?: string;
  runtimes?: OciRuntimeDir[];
}): Promise<ImageUser[]> {
  const wanted = new Set(o.layerDirs.map(real));
  if (!wanted.size) return [];
  const out: ImageUser[] = [];
  for (const rt of o.runtimes ?? ociRuntimeDirs(o.dataDir)) {
    for (const c of await containersOnDisk(rt.dir, o.mountinfo)) {
      if (!c.lowerDirs.some((l) => wanted.has(l))) continue;
      const liveness = await livenessOnDisk(rt, c);
      if (liveness !== 'live' && liveness !== 'starting') continue;
      out.push({ id: c.id, ...(c.record ? { podUid: c.record.podUid, name: c.record.name } : {}), liveness });
    }
  }
  return out;
}
