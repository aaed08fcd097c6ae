// Builds tiny OCI/Docker images in memory (no docker): layers as tar.gz from a file map, an optional busybox-static
// base layer, the config and manifest; pushes them to a registry over the distribution push API; writes
// `docker save` and OCI-layout archives for import tests.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import tar from 'tar-stream';
import type { ImageConfig } from '../../src/runtime/types.js';

export const BUSYBOX = '/bin/busybox';
export const BUSYBOX_APPLETS = [
  'sh', 'ash', 'ls', 'cat', 'sleep', 'wget', 'echo', 'env', 'id', 'ps', 'mkdir', 'touch', 'rm', 'true', 'false',
  'nc', 'hostname', 'head', 'tail', 'dd', 'yes', 'grep', 'sed', 'cp', 'mv', 'ln', 'chmod', 'test', 'printf',
  'whoami', 'stat', 'df', 'mount', 'kill', 'httpd', 'vi', 'wc', 'date', 'nslookup', 'ping', 'ip', 'top', 'uname',
];

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** One entry of a layer: a regular file (content or fromHost), a directory, a symlink or a hard link. */
export interface FileSpec {
  content?: string | Buffer;
  fromHost?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  dir?: boolean;
  symlink?: string;
  /** Path (inside the image) of the file this is a hard link to, written earlier in the same layer. */
  hardlink?: string;
}
/** path inside the image (no leading slash needed) -> entry; `.wh.NAME` and `.wh..wh..opq` are written as given. */
export type FileMap = Record<string, FileSpec>;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface BuildOptions {
  /** The top layer's files. */
  files?: FileMap;
  /** Layers below `files`, bottom first (for whiteout and multi-layer tests, or big benchmark images). */
  layers?: FileMap[];
  /** A bottom layer with /bin/busybox (busybox-static) and applet symlinks, /etc/passwd, /tmp. */
  busybox?: boolean;
  config?: ImageConfig & { exposedPorts?: string[]; labels?: Record<string, string> };
  platform?: Platform;
  /** Docker schema2 media types instead of OCI ones. */
  format?: 'oci' | 'docker';
  /** gzip level for layers (1 is fast for big random benchmark layers). */
  gzipLevel?: number;
}

export interface Blob {
  digest: string;
  mediaType: string;
  data: Buffer;
}

export interface BuiltImage {
  platform: Platform;
  format: 'oci' | 'docker';
  config: Blob;
  /** Compressed layers, bottom first. */
  layers: Blob[];
  /** The same layers uncompressed (what `docker save` writes), bottom first. */
  layerTars: Buffer[];
  diffIds: string[];
  manifest: Blob;
  /** The config digest: the image ID a puller reports. */
  id: string;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function blob(mediaType: string, data: Buffer): Blob {
  return { digest: sha256(data), mediaType, data };
}

/** An uncompressed tar of the file map. */
export async function layerTar(files: FileMap): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const mtime = new Date(1_700_000_000_000);
  const add = (header: Partial<tar.Header> & { name: string }, data?: Buffer) =>
    new Promise<void>((resolve, reject) => pack.entry(header, data ?? Buffer.alloc(0), (e) => (e ? reject(e) : resolve())));
  // Sorted so that parents come first; hard links last, after the files they point at.
  const order = Object.keys(files).sort((a, b) => Number(files[a]!.hardlink !== undefined) - Number(files[b]!.hardlink !== undefined) || a.localeCompare(b));
  for (const path of order) {
    const f = files[path]!;
    const name = path.replace(/^\/+/, '');
    const own = { uid: f.uid ?? 0, gid: f.gid ?? 0, mtime };
    if (f.dir) await add({ name: name.endsWith('/') ? name : `${name}/`, type: 'directory', mode: f.mode ?? 0o755, ...own });
    else if (f.symlink !== undefined) await add({ name, type: 'symlink', linkname: f.symlink, mode: 0o777, ...own });
    else if (f.hardlink !== undefined) await add({ name, type: 'link', linkname: f.hardlink.replace(/^\/+/, ''), mode: f.mode ?? 0o644, ...own });
    else {
      const data = f.fromHost ? readFileSync(f.fromHost) : Buffer.from(f.content ?? '');
      await add({ name, type: 'file', mode: f.mode ?? 0o644, size: data.length, ...own }, data);
    }
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const gzipAsync = promisify(gzip);

/** A layer with one file at `path` (inside the image) and each of its parent directories, mode 0755. */
export function fileWithParents(path: string, spec: FileSpec): FileMap {
  const parts = path.replace(/^\/+/, '').split('/');
  const files: FileMap = {};
  for (let i = 1; i < parts.length; i++) files[parts.slice(0, i).join('/')] = { dir: true };
  files[parts.join('/')] = spec;
  return files;
}

export function busyboxLayer(): FileMap {
  const files: FileMap = {
    bin: { dir: true },
    'bin/busybox': { fromHost: BUSYBOX, mode: 0o755 },
    etc: { dir: true },
    'etc/passwd': { content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\n' },
    'etc/group': { content: 'root:x:0:\nnobody:x:65534:\napp:x:1000:\n' },
    tmp: { dir: true, mode: 0o1777 },
    root: { dir: true, mode: 0o700 },
    'home/app': { dir: true, uid: 1000, gid: 1000 },
    home: { dir: true },
  };
  for (const a of BUSYBOX_APPLETS) files[`bin/${a}`] = { symlink: 'busybox' };
  return files;
}

export async function buildImage(o: BuildOptions = {}): Promise<BuiltImage> {
  const format = o.format ?? 'oci';
  const platform = o.platform ?? { os: 'linux', architecture: 'amd64' };
  const maps: FileMap[] = [...(o.busybox ? [busyboxLayer()] : []), ...(o.layers ?? []), ...(o.files ? [o.files] : [])];
  const layerTars: Buffer[] = [];
  for (const m of maps) layerTars.push(await layerTar(m));
  const diffIds = layerTars.map((t) => sha256(t));
  const layerType = format === 'oci' ? MEDIA.ociLayerGzip : MEDIA.dockerLayerGzip;
  // zlib's async gzip runs on the libuv thread pool, so images built under Promise.all compress in parallel.
  const layers = await Promise.all(layerTars.map(async (t) => blob(layerType, await gzipAsync(t, { level: o.gzipLevel ?? 6 }))));
  const c = o.config ?? {};
  const cfg: Record<string, unknown> = {};
  if (c.entrypoint) cfg.Entrypoint = c.entrypoint;
  if (c.cmd) cfg.Cmd = c.cmd;
  cfg.Env = c.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
  if (c.workingDir) cfg.WorkingDir = c.workingDir;
  if (c.user) cfg.User = c.user;
  if (c.exposedPorts) cfg.ExposedPorts = Object.fromEntries(c.exposedPorts.map((p) => [p.includes('/') ? p : `${p}/tcp`, {}]));
  if (c.labels) cfg.Labels = c.labels;
  const configJson = {
    created: '2024-01-01T00:00:00Z',
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: cfg,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: maps.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'tugboat test image' })),
  };
  const config = blob(format === 'oci' ? MEDIA.ociConfig : MEDIA.dockerConfig, Buffer.from(JSON.stringify(configJson)));
  const manifestType = format === 'oci' ? MEDIA.ociManifest : MEDIA.dockerManifest;
  const manifestJson = {
    schemaVersion: 2,
    mediaType: manifestType,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.data.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.data.length })),
  };
  const manifest = blob(manifestType, Buffer.from(JSON.stringify(manifestJson)));
  return { platform, format, config, layers, layerTars, diffIds, manifest, id: config.digest };
}

// ---- pushing over the distribution API ----

export interface RegistryTarget {
  /** http(s)://127.0.0.1:PORT */
  url: string;
  caFile?: string;
}
export interface Auth {
  username: string;
  password: string;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function call(
  method: string,
  url: string,
  o: { headers?: Record<string, string>; body?: Buffer; ca?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers = { ...(o.headers ?? {}), ...(o.body ? { 'content-length': String(o.body.length) } : {}) };
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method, headers, ca: o.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

function splitRef(ref: string): { repo: string; tag: string } {
  const i = ref.lastIndexOf(':');
  if (i <= 0 || ref.slice(i).includes('/')) return { repo: ref, tag: 'latest' };
  return { repo: ref.slice(0, i), tag: ref.slice(i + 1) };
}

class Pusher {
  private readonly ca: string | undefined;
  private readonly authz: Record<string, string>;
  constructor(
    private readonly reg: RegistryTarget,
    auth?: Auth,
  ) {
    this.ca = reg.caFile ? readFileSync(reg.caFile, 'utf8') : undefined;
    this.authz = auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {};
  }

  private async must(method: string, url: string, ok: number[], headers: Record<string, string> = {}, body?: Buffer): Promise<Answer> {
    const a = await call(method, url, { headers: { ...this.authz, ...headers }, ...(body ? { body } : {}), ...(this.ca ? { ca: this.ca } : {}) });
    if (!ok.includes(a.status)) throw new Error(`${method} ${url}: ${a.status} ${a.body.toString().slice(0, 500)}`);
    return a;
  }

  async blob(repo: string, b: Blob): Promise<void> {
    const base = `${this.reg.url}/v2/${repo}`;
    const head = await call('HEAD', `${base}/blobs/${b.digest}`, { headers: this.authz, ...(this.ca ? { ca: this.ca } : {}) });
    if (head.status === 200) return;
    const started = await this.must('POST', `${base}/blobs/uploads/`, [202]);
    const loc = new URL(String(started.headers.location ?? ''), this.reg.url);
    loc.searchParams.set('digest', b.digest);
    await this.must('PUT', loc.toString(), [201], { 'content-type': 'application/octet-stream' }, b.data);
  }

  async manifest(repo: string, reference: string, m: Blob): Promise<void> {
    await this.must('PUT', `${this.reg.url}/v2/${repo}/manifests/${reference}`, [201], { 'content-type': m.mediaType }, m.data);
  }

  async image(repo: string, img: BuiltImage): Promise<void> {
    // Layers in parallel: the registry takes them independently; the manifest needs all of them first.
    await Promise.all([...img.layers, img.config].map((b) => this.blob(repo, b)));
  }
}

/** Pushes the image's blobs and its manifest under `repo:tag`. Returns the manifest digest. */
export async function pushImage(reg: RegistryTarget, ref: string, img: BuiltImage, auth?: Auth): Promise<string> {
  const { repo, tag } = splitRef(ref);
  const p = new Pusher(reg, auth);
  await p.image(repo, img);
  await p.manifest(repo, tag, img.manifest);
  return img.manifest.digest;
}

export function indexBlob(entries: { platform: Platform; image: BuiltImage }[], format: 'oci' | 'docker' = 'oci'): Blob {
  const mediaType = format === 'oci' ? MEDIA.ociIndex : MEDIA.dockerList;
  const json = {
    schemaVersion: 2,
    mediaType,
    manifests: entries.map((e) => ({
      mediaType: e.image.manifest.mediaType,
      digest: e.image.manifest.digest,
      size: e.image.manifest.data.length,
      platform: e.platform,
    })),
  };
  return blob(mediaType, Buffer.from(JSON.stringify(json)));
}

/** Pushes every image by digest, then an image index (OCI) or manifest list (docker) under `repo:tag`. */
export async function pushIndex(
  reg: RegistryTarget,
  ref: string,
  entries: { platform: Platform; image: BuiltImage }[],
  auth?: Auth,
  format: 'oci' | 'docker' = 'oci',
): Promise<string> {
  const { repo, tag } = splitRef(ref);
  const p = new Pusher(reg, auth);
  for (const e of entries) {
    await p.image(repo, e.image);
    await p.manifest(repo, e.image.manifest.digest, e.image.manifest);
  }
  const idx = indexBlob(entries, format);
  await p.manifest(repo, tag, idx);
  return idx.digest;
}

// ---- archives for `tug images import` ----

async function tarOf(entries: { name: string; data: Buffer }[]): Promise<Buffer> {
  const files: FileMap = {};
  for (const e of entries) files[e.name] = { content: e.data };
  return layerTar(files);
}

const hex = (digest: string) => digest.slice('sha256:'.length);

/** The classic `docker save` layout: manifest.json, repositories, <id>.json, <layer>/layer.tar (uncompressed). */
export async function writeDockerArchive(file: string, ref: string, img: BuiltImage): Promise<void> {
  const { repo, tag } = splitRef(ref);
  const layerNames = img.diffIds.map((d) => `${hex(d)}/layer.tar`);
  const manifest = [{ Config: `${hex(img.config.digest)}.json`, RepoTags: [`${repo}:${tag}`], Layers: layerNames }];
  const top = img.diffIds[img.diffIds.length - 1];
  const repositories = { [repo]: { [tag]: top ? hex(top) : '' } };
  const entries = [
    { name: `${hex(img.config.digest)}.json`, data: img.config.data },
    ...img.layerTars.map((t, i) => ({ name: layerNames[i]!, data: t })),
    { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) },
    { name: 'repositories', data: Buffer.from(JSON.stringify(repositories)) },
  ];
  writeFileSync(file, await tarOf(entries));
}

/** An OCI image layout in a tar: oci-layout, index.json (ref names annotated, as containerd exports) and blobs/. */
export async function writeOciArchive(file: string, ref: string, img: BuiltImage): Promise<void> {
  const { tag } = splitRef(ref);
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.ociIndex,
    manifests: [
      {
        mediaType: img.manifest.mediaType,
        digest: img.manifest.digest,
        size: img.manifest.data.length,
        annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  const blobs = [img.config, img.manifest, ...img.layers];
  const entries = [
    { name: 'oci-layout', data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
    { name: 'index.json', data: Buffer.from(JSON.stringify(index)) },
    ...blobs.map((b) => ({ name: `blobs/sha256/${hex(b.digest)}`, data: b.data })),
  ];
  writeFileSync(file, await tarOf(entries));
}
