// Reads image archives for `tug images import`: a `docker save` tarball (manifest.json with RepoTags, config
// JSON, layer tars) or an OCI image layout tarball (oci-layout, index.json, blobs/sha256/...), gzip or not.
// Blobs are verified and moved into the content store; the caller registers and unpacks the images.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { ImagePullError } from '../types.js';
import { choosePlatform, INDEX_TYPES, parseIndex, parseManifest, type Descriptor, type Platform } from './image-spec.js';
import type { ContentStore } from './store.js';
import { safeName } from './unpack.js';

export interface ArchiveImage {
  /** References as the archive names them (not yet normalized). */
  names: string[];
  manifestDigest: string;
  config: Descriptor;
  layers: Descriptor[];
}

const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

async function fileDigest(p: string): Promise<{ digest: string; size: number; gzip: boolean }> {
  const h = createHash('sha256');
  let size = 0;
  let first: Buffer | undefined;
  for await (const c of createReadStream(p)) {
    const b = c as Buffer;
    if (!first) first = b;
    h.update(b);
    size += b.length;
  }
  return { digest: `sha256:${h.digest('hex')}`, size, gzip: !!first && first[0] === 0x1f && first[1] === 0x8b };
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Regular files of the tarball into dir (links and everything else ignored; paths kept inside dir). */
async function extractFiles(file: string, dir: string): Promise<void> {
  const extract = tar.extract();
  const source = (await isGzip(file)) ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  source.on('error', (e: Error) => extract.destroy(e));
  source.pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    const h = entry.header;
    const rel = safeName(h.name);
    if (rel && (h.type === 'file' || h.type === 'contiguous-file')) {
      const dest = join(dir, rel);
      await mkdir(dirname(dest), { recursive: true });
      await pipeline(entry as unknown as Readable, createWriteStream(dest));
    } else {
      entry.resume();
    }
  }
}

/** Puts a file into the store under its digest; `expect` when the archive names it by digest. */
async function adopt(store: ContentStore, path: string, expect?: string): Promise<{ digest: string; size: number; gzip: boolean }> {
  const f = await fileDigest(path);
  if (expect && expect !== f.digest) throw new ImagePullError(`archive blob ${expect} has digest ${f.digest}: the archive is corrupt`, 'invalid');
  const dest = store.blobPath(f.digest);
  if (!existsSync(dest)) {
    // The same file may serve several images of a docker save archive: copy, keep the original for the next.
    await copyFile(path, `${dest}.importing`);
    await rename(`${dest}.importing`, dest);
  }
  return f;
}

async function json<T>(p: string, what: string): Promise<T> {
  try {
    return JSON.parse(await readFile(p, 'utf8')) as T;
  } catch (err) {
    throw new ImagePullError(`${what} in the archive is missing or not JSON: ${(err as Error).message}`, 'invalid');
  }
}

async function fromDockerSave(store: ContentStore, dir: string): Promise<ArchiveImage[]> {
  const entries = await json<{ Config: string; RepoTags?: string[] | null; Layers: string[] }[]>(join(dir, 'manifest.json'), 'manifest.json');
  const out: ArchiveImage[] = [];
  for (const e of entries) {
    const rel = (p: string) => {
      const s = safeName(p);
      if (!s) throw new ImagePullError(`manifest.json names ${JSON.stringify(p)}, outside the archive`, 'invalid');
      return join(dir, s);
    };
    const cfg = await adopt(store, rel(e.Config));
    const config: Descriptor = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size };
    const layers: Descriptor[] = [];
    for (const l of e.Layers) {
      const f = await adopt(store, rel(l));
      layers.push({ mediaType: f.gzip ? OCI_LAYER_GZIP : OCI_LAYER_TAR, digest: f.digest, size: f.size });
    }
    // A manifest of our own, so the image has one like every pulled image.
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers }));
    const mpath = join(dir, `.tug-manifest-${out.length}`);
    await writeFile(mpath, manifest);
    const m = await adopt(store, mpath);
    out.push({ names: e.RepoTags ?? [], manifestDigest: m.digest, config, layers });
  }
  return out;
}

async function fromOciLayout(store: ContentStore, dir: string, platform: Platform): Promise<ArchiveImage[]> {
  const index = await readFile(join(dir, 'index.json'));
  const out: ArchiveImage[] = [];
  const blob = (d: Descriptor) => {
    const hex = d.digest.replace(/^sha256:/, '');
    return join(dir, 'blobs', 'sha256', hex);
  };
  const visit = async (d: Descriptor, names: string[]): Promise<void> => {
    await adopt(store, blob(d), d.digest);
    const data = await readFile(blob(d));
    if (INDEX_TYPES.has(d.mediaType)) {
      const chosen = choosePlatform(parseIndex(data, `index ${d.digest}`), platform);
      if (!chosen) throw new ImagePullError(`the archive's index ${d.digest} has no image for ${platform.os}/${platform.architecture}`, 'not-found');
      return visit(chosen, names);
    }
    const m = parseManifest(data, `manifest ${d.digest}`);
    await adopt(store, blob(m.config), m.config.digest);
    for (const l of m.layers) await adopt(store, blob(l), l.digest);
    out.push({ names, manifestDigest: d.digest, config: m.config, layers: m.layers });
  };
  for (const d of parseIndex(index, 'index.json')) {
    if (d.platform && (d.platform.os !== platform.os || d.platform.architecture !== platform.architecture)) continue;
    const a = d.annotations ?? {};
    const names: string[] = [];
    // containerd writes the full name; plain OCI layouts may hold only a tag, which names nothing alone.
    const full = a['io.containerd.image.name'] ?? a['org.opencontainers.image.ref.name'];
    if (full && /[/:]/.test(full)) names.push(full);
    await visit(d, names);
  }
  return out;
}

export async function readArchive(store: ContentStore, file: string, workDir: string, platform: Platform): Promise<ArchiveImage[]> {
  await mkdir(workDir, { recursive: true });
  try {
    await extractFiles(file, workDir);
  } catch (err) {
    throw new ImagePullError(`cannot read ${file} as a tar archive: ${(err as Error).message}`, 'invalid');
  }
  if (existsSync(join(workDir, 'manifest.json'))) return fromDockerSave(store, workDir);
  if (existsSync(join(workDir, 'index.json'))) return fromOciLayout(store, workDir, platform);
  throw new ImagePullError(`${file} is neither a docker save archive (manifest.json) nor an OCI layout (index.json)`, 'invalid');
}
