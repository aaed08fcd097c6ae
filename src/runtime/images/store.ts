// The content store on disk, under root:
//   blobs/sha256/<hex>     verified blobs (manifests, configs, layers as fetched)
//   ingest/<hex>.partial   downloads in progress (kept across a failed or killed pull, resumed by Range)
//   layers/<chain hex>/    unpacked layers keyed by chain ID, so a layer's whiteouts match what lies below it
//   images.json            the image index (image ID -> record), rewritten atomically (temp file + rename)
//   images.lock            held (file-lock.ts) by whichever process is changing the index or deleting content
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageConfig, ImageInfo } from '../types.js';
import { withFileLock, type FileLockOptions } from './file-lock.js';

export interface LayerRecord {
  /** Digest of the blob as stored (compressed or not). */
  digest: string;
  mediaType: string;
  size: number;
  diffId: string;
  chainId: string;
}

export interface ImageRecord {
  id: string;
  manifestDigest: string;
  /** Names known for this image: normalized name:tag. */
  repoTags: string[];
  /** name@manifest-digest */
  repoDigests: string[];
  layers: LayerRecord[];
  config: ImageConfig;
  platform: { os: string; architecture: string; variant?: string };
  created: string;
  lastUsed?: string;
  /** Every blob this image holds (index, manifest, config, layers): what removal may delete. */
  blobs?: string[];
}

export interface IndexFile {
  version: 1;
  images: Record<string, ImageRecord>;
}

export const hexOf = (digest: string): string => digest.replace(/^sha256:/, '');

export class ContentStore {
  readonly blobDir: string;
  readonly ingestDir: string;
  readonly layerDir: string;
  private readonly indexFile: string;
  private readonly lockFile: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly root: string,
    private readonly lockOptions: FileLockOptions = {},
  ) {
    this.blobDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'ingest');
    this.layerDir = join(root, 'layers');
    this.indexFile = join(root, 'images.json');
    this.lockFile = join(root, 'images.lock');
    for (const d of [this.blobDir, this.ingestDir, this.layerDir]) mkdirSync(d, { recursive: true });
  }

  blobPath(digest: string): string {
    return join(this.blobDir, hexOf(digest));
  }
  partialPath(digest: string): string {
    return join(this.ingestDir, `${hexOf(digest)}.partial`);
  }
  layerPath(chainId: string): string {
    return join(this.layerDir, hexOf(chainId));
  }

  /** The index as on disk now (another process, e.g. the CLI, may have changed it). */
  read(): IndexFile {
    try {
      const j = JSON.parse(readFileSync(this.indexFile, 'utf8')) as IndexFile;
      if (j && typeof j.images === 'object') return j;
    } catch {
      // missing or unreadable: start empty
    }
    return { version: 1, images: {} };
  }

  private write(idx: IndexFile): void {
    const tmp = `${this.indexFile}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, JSON.stringify(idx, null, 1));
    renameSync(tmp, this.indexFile);
  }

  /**
   * Runs fn alone: one at a time in this process (a promise chain) and across processes (the lock file), so
   * nothing else changes the index or deletes content meanwhile. fn re-reads the index itself.
   */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.chain.then(() => withFileLock(this.lockFile, fn, this.lockOptions));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Read-modify-write of the index under the lock: fn sees the index as on disk now, never a stale copy. */
  update<T>(fn: (idx: IndexFile) => T): Promise<T> {
    return this.exclusive(() => {
      const idx = this.read();
      const out = fn(idx);
      this.write(idx);
      return out;
    });
  }

  /** Like update, then `after` (e.g. deleting files the change made unreferenced) still under the lock. */
  updateThen<T, U>(fn: (idx: IndexFile) => T, after: (out: T) => Promise<U>): Promise<U> {
    return this.exclusive(async () => {
      const idx = this.read();
      const out = fn(idx);
      this.write(idx);
      return after(out);
    });
  }
}

export function toInfo(r: ImageRecord): ImageInfo {
  return {
    id: r.id,
    repoTags: [...r.repoTags],
    repoDigests: [...r.repoDigests],
    size: r.layers.reduce((n, l) => n + l.size, 0),
    config: r.config,
    ...(r.lastUsed ? { lastUsed: new Date(r.lastUsed) } : {}),
  };
}
