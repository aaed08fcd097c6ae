// Unpacks one layer (tar, gzip-compressed or plain) into a directory an overlay mount can use as a lower layer.
// OCI whiteouts become overlayfs ones: `.wh.NAME` a 0:0 character device NAME, and an opaque directory
// (`.wh..wh..opq`) explicit whiteouts for every name the lower layers hold there, because Node has no
// setxattr and setfattr is not installed here (trusted.overlay.opaque would need one of them); overlayfs
// treats both the same. Where mknod is refused (not root) the AUFS-style marker files are kept as they came.
// Entries that would escape the directory (.., through a symlink) are refused; devices are skipped.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, mkdir, open, readdir, rename, rm, symlink, utimes, lutimes } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { ImagePullError } from '../types.js';

const run = promisify(execFile);
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE = '.wh..wh..opq';

export interface UnpackOptions {
  /** The layer blob (tar or tar+gzip). */
  file: string;
  /** The final directory; written under a temporary name and renamed at the end. */
  dest: string;
  /** Unpacked lower layers, any order: opaque directories need their names. */
  lowerDirs?: string[];
  /** Settles once the lower layers are unpacked: extraction runs before, only opaque handling waits. */
  lowersReady?: Promise<unknown>;
  /** The config's diff_id for this layer: the uncompressed tar is verified against it. */
  diffId?: string;
  /** Force AUFS-style markers instead of overlay whiteouts (tests; automatic when mknod is refused). */
  keepMarkers?: boolean;
  signal?: AbortSignal;
}

export interface UnpackResult {
  diffId: string;
  /** Bytes of regular files written. */
  bytes: number;
  skipped: string[];
}

/** A path inside the layer: resolved as if the layer were / (so `..` stops there, as containerd does). */
export function safeName(name: string): string {
  const n = posix.normalize(`/${name}`).replace(/^\/+/, '').replace(/\/+$/, '');
  return n === '.' ? '' : n;
}

async function exists(p: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await lstat(p);
  } catch {
    return undefined;
  }
}

class Writer {
  private readonly dirs = new Map<string, { mode: number; uid: number; gid: number; mtime: Date }>();
  private readonly realDirs = new Set<string>(['']);
  readonly opaque = new Set<string>();
  readonly skipped: string[] = [];
  bytes = 0;
  private markers: boolean;
  private canChown = process.getuid?.() === 0;

  constructor(
    private readonly root: string,
    keepMarkers: boolean,
  ) {
    this.markers = keepMarkers;
  }

  /** Makes the parent chain of `rel` real directories inside root, refusing symlinks on the way. */
  private async parents(rel: string): Promise<boolean> {
    const parts = rel.split('/');
    parts.pop();
    let cur = '';
    for (const p of parts) {
      cur = cur ? `${cur}/${p}` : p;
      if (this.realDirs.has(cur)) continue;
      const st = await exists(join(this.root, cur));
      if (!st) await mkdir(join(this.root, cur));
      else if (!st.isDirectory()) return false;
      this.realDirs.add(cur);
    }
    return true;
  }

  private async clear(rel: string, keepDir: boolean): Promise<void> {
    const st = await exists(join(this.root, rel));
    if (!st || (keepDir && st.isDirectory())) return;
    await rm(join(this.root, rel), { recursive: true, force: true });
    for (const d of this.realDirs) if (d === rel || d.startsWith(`${rel}/`)) this.realDirs.delete(d);
  }

  async whiteout(rel: string): Promise<void> {
    const abs = join(this.root, rel);
    if (!this.markers) {
      try {
        await run('mknod', [abs, 'c', '0', '0']);
        return;
      } catch {
        this.markers = true;
      }
    }
    const marker = join(dirname(abs), `${WHITEOUT_PREFIX}${posix.basename(rel)}`);
    await (await open(marker, 'w')).close();
  }

  private async own(abs: string, h: tar.Header, isLink: boolean): Promise<void> {
    if (!this.canChown) return;
    try {
      await lchown(abs, h.uid ?? 0, h.gid ?? 0);
    } catch {
      this.canChown = false;
    }
    if (!isLink) await chmod(abs, (h.mode ?? 0o644) & 0o7777);
  }

  async entry(h: tar.Header, body: Readable): Promise<void> {
    const rel = safeName(h.name);
    if (rel === '') return void body.resume();
    const base = posix.basename(rel);
    if (!(await this.parents(rel))) {
      this.skipped.push(`${h.name}: a parent is not a directory`);
      return void body.resume();
    }
    const abs = join(this.root, rel);
    if (base === OPAQUE) {
      this.opaque.add(posix.dirname(rel) === '.' ? '' : posix.dirname(rel));
      if (this.markers) await (await open(abs, 'w')).close();
      return void body.resume();
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      const target = posix.join(posix.dirname(rel), base.slice(WHITEOUT_PREFIX.length));
      await this.clear(target, false);
      await this.whiteout(target);
      return void body.resume();
    }
    switch (h.type) {
      case 'directory': {
        await this.clear(rel, true);
        if (!(await exists(abs))) await mkdir(abs);
        this.realDirs.add(rel);
        this.dirs.set(rel, { mode: h.mode ?? 0o755, uid: h.uid ?? 0, gid: h.gid ?? 0, mtime: h.mtime ?? new Date(0) });
        return void body.resume();
      }
      case 'file':
      case 'contiguous-file': {
        await this.clear(rel, false);
        await pipeline(body, createWriteStream(abs, { mode: 0o600, highWaterMark: 1 << 20 }));
        this.bytes += h.size ?? 0;
        await this.own(abs, h, false);
        if (h.mtime) await utimes(abs, h.mtime, h.mtime);
        return;
      }
      case 'symlink': {
        await this.clear(rel, false);
        await symlink(h.linkname ?? '', abs);
        await this.own(abs, h, true);
        if (h.mtime) await lutimes(abs, h.mtime, h.mtime).catch(() => undefined);
        return void body.resume();
      }
      case 'link': {
        const target = safeName(h.linkname ?? '');
        if (!target) {
          this.skipped.push(`${h.name}: hard link outside the layer`);
          return void body.resume();
        }
        await this.clear(rel, false);
        try {
          await link(join(this.root, target), abs);
        } catch (err) {
          this.skipped.push(`${h.name}: hard link to ${target}: ${(err as Error).message}`);
        }
        return void body.resume();
      }
      default:
        // Devices and fifos: a container gets its own /dev from the runtime.
        this.skipped.push(`${h.name}: ${h.type}`);
        return void body.resume();
    }
  }

  /** Opaque directories: whiteouts for every name the lower layers have there and this layer has not. */
  async finishOpaque(lowerDirs: string[]): Promise<void> {
    for (const d of this.opaque) {
      const here = new Set(await readdir(join(this.root, d)).catch(() => [] as string[]));
      const below = new Set<string>();
      for (const lower of lowerDirs) {
        for (const n of await readdir(join(lower, d)).catch(() => [] as string[])) {
          if (!n.startsWith(WHITEOUT_PREFIX)) below.add(n);
        }
      }
      for (const n of below) if (!here.has(n)) await this.whiteout(d ? `${d}/${n}` : n);
    }
  }

  /** Directory modes, owners and times last: a read-only directory must not stop its own entries. */
  async finishDirs(): Promise<void> {
    const order = [...this.dirs.keys()].sort((a, b) => b.length - a.length);
    for (const rel of order) {
      const d = this.dirs.get(rel)!;
      const abs = join(this.root, rel);
      if (this.canChown) await lchown(abs, d.uid, d.gid).catch(() => undefined);
      await chmod(abs, d.mode & 0o7777);
      await utimes(abs, d.mtime, d.mtime);
    }
  }
}

/** Unpacks a layer blob from a file in the content store. */
export async function unpackLayer(o: UnpackOptions): Promise<UnpackResult> {
  const { file, ...rest } = o;
  return unpackStream({ ...rest, label: file, source: createReadStream(file, { highWaterMark: 1 << 20 }) });
}

export interface UnpackStreamOptions extends Omit<UnpackOptions, 'file'> {
  /** The blob's bytes in order (a file, or a download as it arrives). */
  source: AsyncIterable<Buffer>;
  /** Names the layer in error messages. */
  label: string;
}

/**
 * Looks at the first bytes for the gzip magic (media types lie in some archives), then yields everything,
 * those bytes included. `gzip` is known once the generator has been started and its first chunk taken.
 */
function sniffed(source: AsyncIterable<Buffer>): { gzip: Promise<boolean>; chunks: AsyncIterable<Buffer>; close(): Promise<void> } {
  const it = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let n = 0;
  const gzip = (async () => {
    while (n < 2) {
      const r = await it.next();
      if (r.done) break;
      head.push(r.value);
      n += r.value.length;
    }
    const b = Buffer.concat(head);
    return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
  })();
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      await gzip;
      yield* head;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      // Stopped early (an error downstream): close the source (a file's descriptor, a download's sink).
      await it.return?.();
    }
  }
  return { gzip, chunks: chunks(), close: async () => void (await it.return?.()) };
}

/** Unpacks a layer from a byte stream into `dest` (via a temporary directory: a failure leaves nothing). */
export async function unpackStream(o: UnpackStreamOptions): Promise<UnpackResult> {
  const tmp = `${o.dest}.tmp-${randomBytes(4).toString('hex')}`;
  const src = sniffed(o.source);
  try {
    await mkdir(tmp, { recursive: true });
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    const extract = tar.extract();
    const w = new Writer(tmp, o.keepMarkers ?? false);
    const gz = await src.gzip;
    // Big buffers: the default 16-64 kB chunks make gunzip and the tar parser the bottleneck on large layers.
    const source = gz ? pipeline(src.chunks, createGunzip({ chunkSize: 1 << 20 }), tap) : pipeline(src.chunks, tap);
    tap.pipe(extract as unknown as NodeJS.WritableStream);
    const feeding = source.catch((err: unknown) => {
      extract.destroy(err as Error);
      throw err;
    });
    // Awaited below, after the entries: a feed that fails first must not count as unhandled meanwhile.
    feeding.catch(() => undefined);
    try {
      for await (const entry of extract) {
        if (o.signal?.aborted) throw o.signal.reason as Error;
        await w.entry(entry.header, entry as unknown as Readable);
      }
    } catch (err) {
      // Stop the feed too, and let it settle, so nothing writes into tmp once it is removed.
      tap.destroy(err as Error);
      await feeding.catch(() => undefined);
      throw err;
    }
    await feeding;
    const diffId = `sha256:${hash.digest('hex')}`;
    if (o.diffId && o.diffId !== diffId) {
      throw new ImagePullError(`layer content does not match the image config: diff_id ${o.diffId} expected, ${diffId} found`, 'invalid');
    }
    if (w.opaque.size > 0) {
      await o.lowersReady;
      await w.finishOpaque(o.lowerDirs ?? []);
    }
    await w.finishDirs();
    if (await exists(o.dest)) {
      // Someone else unpacked the same chain meanwhile: theirs is as good as ours.
      await rm(tmp, { recursive: true, force: true });
    } else {
      await rename(tmp, o.dest);
    }
    return { diffId, bytes: w.bytes, skipped: w.skipped };
  } catch (err) {
    await src.close().catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
    if (err instanceof ImagePullError) throw err;
    throw new ImagePullError(`cannot unpack layer ${o.label}: ${err instanceof Error ? err.message : String(err)}`, 'invalid');
  }
}
