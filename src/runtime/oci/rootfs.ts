// A container's root filesystem: an overlay of the image's unpacked layers (read-only, shared by every container of
// the image) under a per-container upper directory, so starting a container copies nothing. Where overlayfs is
// refused (e.g. the data dir itself on overlayfs or a filesystem without d_type), the layers are copied instead.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export type RootfsMode = 'overlay' | 'copy';

/** Makes <dir>/rootfs from layers (top first), with <dir>/upper and <dir>/work for overlayfs. */
export async function prepareRootfs(layers: string[], dir: string): Promise<RootfsMode> {
  const rootfs = join(dir, 'rootfs');
  const upper = join(dir, 'upper');
  const work = join(dir, 'work');
  await Promise.all([rootfs, upper, work].map((d) => mkdir(d, { recursive: true })));
  // overlayfs needs at least one lower directory: an image without layers gets an empty one.
  const lowers = layers.length ? layers : [await emptyLower(dir)];
  const opts = `lowerdir=${lowers.map(escapeOpt).join(':')},upperdir=${escapeOpt(upper)},workdir=${escapeOpt(work)}`;
  try {
    await run('mount', ['-t', 'overlay', 'overlay', '-o', opts, rootfs]);
    return 'overlay';
  } catch {
    await rm(upper, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
    // Bottom layer first, so upper layers overwrite; overlay whiteouts (0/0 char devices) then delete their path.
    for (const l of [...lowers].reverse()) {
      await run('cp', ['-a', '--', `${l}/.`, rootfs]);
      await run('find', [rootfs, '-type', 'c', '-exec', 'sh', '-c', 'for f; do [ "$(stat -c %t%T "$f")" = 00 ] && rm -f "$f"; done', 'sh', '{}', '+']);
    }
    return 'copy';
  }
}

async function emptyLower(dir: string): Promise<string> {
  const d = join(dir, 'empty');
  await mkdir(d, { recursive: true });
  return d;
}

/** overlayfs splits options on ',' and lower dirs on ':'; both may be escaped with '\'. */
function escapeOpt(p: string): string {
  return p.replace(/([\\,:])/g, '\\$1');
}

/** Whether path is a mount point (from /proc/self/mountinfo; octal escapes as the kernel writes them). */
export function isMounted(path: string): boolean {
  const enc = path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === enc);
  } catch {
    return false;
  }
}

/** Unmounts path if mounted (lazily when busy: a process still holding it must not block the pod's removal). */
export async function unmount(path: string): Promise<void> {
  if (!isMounted(path)) return;
  await run('umount', [path]).catch(() => run('umount', ['-l', path]));
}

export function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.once('error', reject);
    c.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: ${err.trim() || `exit ${code}`}`))));
  });
}
