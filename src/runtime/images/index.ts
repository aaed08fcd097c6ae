// The node's image service: pulls from OCI distribution registries into a content store under `root`, unpacks
// layers for overlay root filesystems, imports archives, removes and garbage-collects images.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, stat, statfs, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../util/logger.js';
import {
  ImagePullError,
  type DockerAuths,
  type ImageInfo,
  type ImageService,
  type PullOptions,
} from '../types.js';
import { readArchive, type ArchiveImage } from './archive.js';
import { credentialsFor } from './auth.js';
import type { FileLockOptions } from './file-lock.js';
import { RepositoryClient } from './distribution.js';
import { BlobFetcher } from './fetch-blob.js';
import { planGc } from './gc.js';
import {
  chainIds,
  choosePlatform,
  hostPlatform,
  INDEX_TYPES,
  parseConfig,
  parseIndex,
  parseManifest,
  platformString,
  type Descriptor,
  type Platform,
} from './image-spec.js';
import { formatReference, parseReference, repoName, type ImageRef } from './reference.js';
import { ContentStore, toInfo, type ImageRecord, type LayerRecord } from './store.js';
import { Transport } from './transport.js';
import type { UnpackResult } from './unpack.js';
import { UnpackPool } from './unpack-pool.js';

export { ImagePullError } from '../types.js';
export { parseReference, formatReference } from './reference.js';

export interface RegistryConfig {
  /** Hosts ("127.0.0.1:5000") served over plain http. */
  insecure?: string[];
  /** The agent's own credentials. */
  auths?: DockerAuths;
  /** Extra CAs (PEM files) for registry TLS. */
  caFiles?: string[];
}

export interface ImageServiceOptions {
  /** e.g. DATA/images */
  root: string;
  platform?: Platform;
  registries?: RegistryConfig;
  logger?: Logger;
  /** Image IDs that running containers use: remove() refuses them. */
  inUse?: () => Set<string>;
  /** Disk figures of the image filesystem (tests); default statfs(root). */
  diskUsage?: () => Promise<{ capacity: number; available: number }>;
  now?: () => number;
  /** Layer downloads at once (default 4). */
  parallel?: number;
  /** Threads that unpack layers (default: 1 on two cores, 2 above; 0 unpacks on the calling thread). */
  unpackWorkers?: number;
  /** Waiting for the store's lock (held by another process: `tug images` or the agent). */
  lock?: FileLockOptions;
}

export interface ImageServiceExt extends ImageService {
  /** Closes idle registry connections. */
  close(): void;
}

const ID = /^(?:sha256:)?([a-f0-9]{12,64})$/;

/** Content an image was about to reference was deleted meanwhile (a removal or GC, maybe by another process). */
class ContentRemoved extends Error {}

/** Runs a pull or import again (at most `times`) when a concurrent removal took content it had checked was there. */
async function againIfRemoved<T>(times: number, fn: () => Promise<T>, onRetry: (e: Error) => void): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof ContentRemoved) || i >= times) throw e;
      onRetry(e);
    }
  }
}

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

async function limitAll<T>(items: T[], n: number, fn: (t: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
}

export function createImageService(o: ImageServiceOptions): ImageServiceExt {
  const store = new ContentStore(o.root, o.lock);
  const transport = new Transport({ ...(o.registries?.caFiles ? { caFiles: o.registries.caFiles } : {}) });
  const fetcher = new BlobFetcher(store);
  const pool = new UnpackPool(o.unpackWorkers);
  const platform = o.platform ?? hostPlatform();
  const insecure = new Set((o.registries?.insecure ?? []).map((h) => h.toLowerCase()));
  const log = o.logger?.child('images');
  const now = o.now ?? Date.now;
  const unpacking = new Map<string, Promise<number>>();

  const findRecord = (images: Record<string, ImageRecord>, ref: string): ImageRecord | undefined => {
    const id = ID.exec(ref);
    if (id) {
      const hit = Object.values(images).filter((r) => r.id.slice(7).startsWith(id[1]!));
      if (hit.length === 1) return hit[0];
    }
    let r: ImageRef;
    try {
      r = parseReference(ref);
    } catch {
      return undefined;
    }
    const all = Object.values(images);
    if (r.digest) {
      const name = repoName(r);
      return all.find((i) => i.repoDigests.includes(`${name}@${r.digest}`) || i.manifestDigest === r.digest);
    }
    const tagged = formatReference(r);
    return all.find((i) => i.repoTags.includes(tagged));
  };

  /** Unpacks a layer once per chain ID: a second request (another pull, layers()) shares the first one's work. */
  function unpackShared(l: LayerRecord, start: () => Promise<UnpackResult>): Promise<number> {
    let p = unpacking.get(l.chainId);
    if (!p) {
      p = start()
        .then((res) => {
          if (res.skipped.length) log?.debug('layer entries skipped', { layer: l.digest, skipped: res.skipped.slice(0, 20) });
          return res.bytes;
        })
        .finally(() => unpacking.delete(l.chainId));
      unpacking.set(l.chainId, p);
    }
    return p;
  }

  /** Unpacks stored layer blobs side by side: only a layer with opaque directories waits for the ones below it. */
  async function unpackAll(layers: LayerRecord[], signal?: AbortSignal): Promise<number[]> {
    const done: Promise<number>[] = [];
    for (const [i, l] of layers.entries()) {
      const dest = store.layerPath(l.chainId);
      const lowersReady = Promise.all(done.slice(0, i));
      const lowerDirs = layers.slice(0, i).map((b) => store.layerPath(b.chainId));
      done.push(
        existsSync(dest)
          ? Promise.resolve(0)
          : unpackShared(l, () => pool.unpack({ file: store.blobPath(l.digest), dest, lowerDirs, lowersReady, diffId: l.diffId, ...(signal ? { signal } : {}) })),
      );
    }
    for (const d of done) d.catch(() => undefined);
    return Promise.all(done);
  }

  /**
   * Downloads the layers (`parallel` at once) and unpacks each on the worker pool as soon as its blob is in, so
   * unpacking lower layers overlaps the downloads of the others. A layer waits for the ones below it only for
   * its opaque directories. The first failure stops the rest, and the pull settles once nothing runs any more.
   */
  async function pullLayers(client: RepositoryClient, layers: LayerRecord[], onBytes: (n: number, layer: string) => void, outer?: AbortSignal): Promise<void> {
    const stop = new AbortController();
    const signal = outer ? AbortSignal.any([outer, stop.signal]) : stop.signal;
    const unpacked = layers.map(() => deferred<number>());
    let firstError: { error: unknown } | undefined;
    const fail = (error: unknown) => {
      firstError ??= { error };
      stop.abort(error);
    };
    const downloads = limitAll(layers, o.parallel ?? 4, async (l, i) => {
      if (signal.aborted) return unpacked[i]!.reject(signal.reason);
      const lowersReady = Promise.all(unpacked.slice(0, i).map((u) => u.promise));
      const lowerDirs = layers.slice(0, i).map((b) => store.layerPath(b.chainId));
      const dest = store.layerPath(l.chainId);
      const fetched = fetcher.ensure(
        client,
        l,
        { onBytes: (n) => onBytes(n, l.digest), onResume: (digest, offset) => log?.info('resuming blob download', { digest, offset }) },
        signal,
      );
      const unpack = existsSync(dest)
        ? Promise.resolve(0)
        : unpackShared(l, async () => {
            await fetched;
            return pool.unpack({ file: store.blobPath(l.digest), dest, lowerDirs, lowersReady, diffId: l.diffId, signal });
          });
      unpack.then(unpacked[i]!.resolve, (err: unknown) => {
        fail(err);
        unpacked[i]!.reject(err);
      });
      // The download slot is free once the bytes are in; the unpack finishes on its own.
      await fetched.catch(fail);
    });
    for (const u of unpacked) u.promise.catch(() => undefined);
    await downloads;
    await Promise.allSettled(unpacked.map((u) => u.promise));
    if (firstError) throw firstError.error;
  }

  async function writeBlob(digest: string, data: Buffer): Promise<void> {
    const dest = store.blobPath(digest);
    if (existsSync(dest)) return;
    const tmp = `${dest}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, dest);
  }

  /**
   * Adds (or refreshes) an image record; tags move to it from any other image, as `docker tag` does. Under the
   * store's lock its blobs and layers are checked to be there still: a removal deletes content under that lock
   * too, so once registered nothing the image needs can go.
   */
  async function register(rec: ImageRecord): Promise<ImageRecord> {
    return store.update((idx) => {
      const gone = [
        ...new Set([...(rec.blobs ?? []), ...rec.layers.map((l) => l.digest)]).values(),
      ].filter((b) => !existsSync(store.blobPath(b)));
      gone.push(...rec.layers.filter((l) => !existsSync(store.layerPath(l.chainId))).map((l) => `layer ${l.chainId}`));
      if (gone.length) throw new ContentRemoved(`image ${rec.id}: removed while it was being stored: ${gone.join(', ')}`);
      for (const other of Object.values(idx.images)) {
        if (other.id === rec.id) continue;
        other.repoTags = other.repoTags.filter((t) => !rec.repoTags.includes(t));
      }
      const prev = idx.images[rec.id];
      const merged: ImageRecord = prev
        ? {
            ...rec,
            repoTags: [...new Set([...prev.repoTags, ...rec.repoTags])],
            repoDigests: [...new Set([...prev.repoDigests, ...rec.repoDigests])],
            blobs: [...new Set([...(prev.blobs ?? []), ...(rec.blobs ?? [])])],
            created: prev.created,
            ...(prev.lastUsed ? { lastUsed: prev.lastUsed } : {}),
          }
        : rec;
      idx.images[rec.id] = merged;
      return merged;
    });
  }

  function pull(ref: string, opts: PullOptions = {}): Promise<ImageInfo> {
    return againIfRemoved(3, () => pullOnce(ref, opts), (e) => log?.info('pulling again: content was removed meanwhile', { image: ref, err: e.message }));
  }

  async function pullOnce(ref: string, opts: PullOptions): Promise<ImageInfo> {
    const r = parseReference(ref);
    const label = formatReference(r);
    const started = now();
    const client = new RepositoryClient({
      registry: r.registry,
      repository: r.repository,
      transport,
      plainHttp: insecure.has(r.registry.toLowerCase()),
      // The pod's pull secrets first, then the node's own (kubelet's order).
      credentials: credentialsFor(r.registry, [...(opts.auths ?? []), o.registries?.auths]),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const top = await client.manifest(r.digest ?? r.tag ?? 'latest', label);
    await writeBlob(top.digest, top.data);
    const blobs = [top.digest];
    let manifest = top;
    if (INDEX_TYPES.has(top.mediaType)) {
      const entries = parseIndex(top.data, label);
      const chosen = choosePlatform(entries, platform);
      if (!chosen) {
        const has = entries.filter((e) => e.platform).map((e) => platformString(e.platform!)).join(', ');
        throw new ImagePullError(`${label}: no image for ${platformString(platform)} in the index (it has ${has || 'no platforms'})`, 'not-found');
      }
      manifest = await client.manifest(chosen.digest, `${label} (${platformString(platform)})`);
      await writeBlob(manifest.digest, manifest.data);
      blobs.push(manifest.digest);
    }
    const m = parseManifest(manifest.data, label);
    await fetcher.ensure(client, m.config, {}, opts.signal);
    blobs.push(m.config.digest);
    const parsed = parseConfig(await readFile(store.blobPath(m.config.digest)), `${label} config`);
    if (parsed.diffIds.length !== m.layers.length) {
      throw new ImagePullError(`${label}: the config lists ${parsed.diffIds.length} layers, the manifest ${m.layers.length}`, 'invalid');
    }
    const chains = chainIds(parsed.diffIds);
    const layers: LayerRecord[] = m.layers.map((l, i) => ({
      digest: l.digest,
      mediaType: l.mediaType,
      size: l.size,
      diffId: parsed.diffIds[i]!,
      chainId: chains[i]!,
    }));
    const total = m.layers.reduce((n, l) => n + l.size, 0);
    let fetched = 0;
    const report = (n: number, layer: string) => {
      fetched += n;
      opts.onProgress?.({ fetched, total, layer });
    };
    await pullLayers(client, layers, report, opts.signal);
    const rec: ImageRecord = {
      id: m.config.digest,
      manifestDigest: manifest.digest,
      repoTags: r.tag ? [`${repoName(r)}:${r.tag}`] : [],
      repoDigests: [`${repoName(r)}@${top.digest}`],
      layers,
      config: parsed.config,
      platform: parsed.platform,
      created: new Date(now()).toISOString(),
      blobs: [...blobs, ...m.layers.map((l) => l.digest)],
    };
    const saved = await register(rec);
    log?.info('pulled', { image: label, id: rec.id, bytes: total, ms: now() - started });
    return toInfo(saved);
  }

  /** Removes the record, then (still under the lock, so no pull can register them meanwhile) what only it used. */
  async function deleteImage(id: string): Promise<void> {
    return store.updateThen((idx) => {
      const g = idx.images[id];
      delete idx.images[id];
      const kb = new Set<string>();
      const kc = new Set<string>();
      for (const r of Object.values(idx.images)) {
        for (const b of r.blobs ?? []) kb.add(b);
        for (const l of r.layers) {
          kb.add(l.digest);
          kc.add(l.chainId);
        }
      }
      return { gone: g, keepBlobs: kb, keepChains: kc };
    }, async ({ gone, keepBlobs, keepChains }) => {
      if (!gone) return;
      for (const b of new Set([...(gone.blobs ?? []), ...gone.layers.map((l) => l.digest), gone.id, gone.manifestDigest])) {
        if (!keepBlobs.has(b)) await rm(store.blobPath(b), { force: true });
      }
      for (const l of gone.layers) {
        if (!keepChains.has(l.chainId)) await rm(store.layerPath(l.chainId), { recursive: true, force: true });
      }
    });
  }

  async function recordBytes(r: ImageRecord): Promise<number> {
    let n = 0;
    for (const b of r.blobs ?? []) n += (await stat(store.blobPath(b)).catch(() => undefined))?.size ?? 0;
    // Unpacked layers take about their uncompressed size; the compressed size is a cheap lower bound.
    return n + r.layers.reduce((s, l) => s + l.size, 0);
  }

  async function registerArchive(img: ArchiveImage): Promise<ImageRecord> {
    const cfgData = await readFile(store.blobPath(img.config.digest));
    const parsed = parseConfig(cfgData, `config ${img.config.digest}`);
    if (parsed.diffIds.length !== img.layers.length) {
      throw new ImagePullError(`image ${img.config.digest}: the config lists ${parsed.diffIds.length} layers, the archive ${img.layers.length}`, 'invalid');
    }
    const chains = chainIds(parsed.diffIds);
    const layers: LayerRecord[] = img.layers.map((l: Descriptor, i) => ({
      digest: l.digest,
      mediaType: l.mediaType,
      size: l.size,
      diffId: parsed.diffIds[i]!,
      chainId: chains[i]!,
    }));
    await unpackAll(layers);
    const repoTags: string[] = [];
    for (const n of img.names) {
      try {
        const r = parseReference(n);
        if (r.tag) repoTags.push(`${repoName(r)}:${r.tag}`);
      } catch {
        log?.warn('archive names an invalid reference, ignored', { name: n });
      }
    }
    return register({
      id: img.config.digest,
      manifestDigest: img.manifestDigest,
      repoTags,
      repoDigests: [],
      layers,
      config: parsed.config,
      platform: parsed.platform,
      created: new Date(now()).toISOString(),
      blobs: [img.manifestDigest, img.config.digest, ...img.layers.map((l) => l.digest)],
    });
  }

  return {
    async inspect(ref) {
      const rec = findRecord(store.read().images, ref);
      return rec ? toInfo(rec) : undefined;
    },

    pull,

    async list() {
      return Object.values(store.read().images).map(toInfo);
    },

    async remove(ref) {
      const idx = store.read();
      const rec = findRecord(idx.images, ref);
      if (!rec) throw new ImagePullError(`no such image: ${ref}`, 'not-found');
      if (o.inUse?.().has(rec.id)) throw new ImagePullError(`image ${ref} (${rec.id.slice(7, 19)}) is in use by a container`, 'other');
      let tag: string | undefined;
      if (!ID.test(ref)) {
        const r = parseReference(ref);
        if (r.tag && !r.digest) tag = `${repoName(r)}:${r.tag}`;
      }
      if (tag && rec.repoTags.length > 1) {
        await store.update((i) => {
          const cur = i.images[rec.id];
          if (cur) cur.repoTags = cur.repoTags.filter((t) => t !== tag);
        });
        return;
      }
      await deleteImage(rec.id);
    },

    async import(file) {
      return againIfRemoved(3, async () => {
        const work = join(o.root, `import-${randomBytes(4).toString('hex')}`);
        try {
          const found = await readArchive(store, file, work, platform);
          const out: ImageInfo[] = [];
          for (const img of found) out.push(toInfo(await registerArchive(img)));
          return out;
        } finally {
          await rm(work, { recursive: true, force: true });
        }
      }, (e) => log?.info('importing again: content was removed meanwhile', { file, err: e.message }));
    },

    async gc({ inUse, highPercent, lowPercent, minAgeMs }) {
      const disk = o.diskUsage
        ? await o.diskUsage()
        : await statfs(o.root).then((s) => ({ capacity: s.blocks * s.bsize, available: s.bavail * s.bsize }));
      const images = [];
      for (const r of Object.values(store.read().images)) {
        images.push({ id: r.id, bytes: await recordBytes(r), lastUsedMs: Date.parse(r.lastUsed ?? r.created) });
      }
      const victims = planGc({ ...disk, images, inUse, highPercent, lowPercent, minAgeMs, nowMs: now() });
      for (const id of victims) {
        await deleteImage(id);
        log?.info('image garbage-collected', { id });
      }
      return victims;
    },

    async layers(imageId) {
      const rec = findRecord(store.read().images, imageId);
      if (!rec) throw new ImagePullError(`no such image: ${imageId}`, 'not-found');
      await unpackAll(rec.layers);
      await store.update((idx) => {
        const cur = idx.images[rec.id];
        if (cur) cur.lastUsed = new Date(now()).toISOString();
      });
      return rec.layers.map((l) => store.layerPath(l.chainId)).reverse();
    },

    close() {
      transport.close();
      pool.close();
    },
  };
}
