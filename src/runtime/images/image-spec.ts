// Pure pieces of the OCI image spec: manifest and index parsing, choosing the node's platform from an index,
// chain IDs, and the image config's runtime part.
import { createHash } from 'node:crypto';
import { ImagePullError, type ImageConfig } from '../types.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
export const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);

/** The platform this Node process runs on, in OCI words (x64 -> amd64). */
export function hostPlatform(): Platform {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;
  const p: Platform = { os: process.platform === 'win32' ? 'windows' : process.platform, architecture: arch };
  if (arch === 'arm64') p.variant = 'v8';
  if (arch === 'arm') p.variant = 'v7';
  return p;
}

export function platformString(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

function normVariant(p: Platform): string {
  // arm64 images often leave out v8, the only arm64 variant in practice.
  return p.architecture === 'arm64' && !p.variant ? 'v8' : (p.variant ?? '');
}

/** The index entry for the platform: os and architecture equal, the exact variant preferred. */
export function choosePlatform(entries: Descriptor[], want: Platform): Descriptor | undefined {
  const fits = entries.filter((e) => e.platform && e.platform.os === want.os && e.platform.architecture === want.architecture);
  const wantV = normVariant(want);
  return fits.find((e) => normVariant(e.platform!) === wantV) ?? (wantV ? fits.find((e) => !e.platform!.variant) : fits[0]);
}

function asObject(data: Buffer, what: string): Record<string, unknown> {
  try {
    const j = JSON.parse(data.toString('utf8')) as unknown;
    if (j && typeof j === 'object' && !Array.isArray(j)) return j as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ImagePullError(`${what} is not a JSON object`, 'invalid');
}

function descriptor(v: unknown, what: string): Descriptor {
  const d = v as Partial<Descriptor> | null;
  if (!d || typeof d.digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(d.digest) || typeof d.size !== 'number') {
    throw new ImagePullError(`${what}: a descriptor lacks a sha256 digest or size`, 'invalid');
  }
  return { mediaType: String(d.mediaType ?? ''), digest: d.digest, size: d.size, ...(d.platform ? { platform: d.platform } : {}), ...(d.annotations ? { annotations: d.annotations } : {}) };
}

export function parseIndex(data: Buffer, what: string): Descriptor[] {
  const j = asObject(data, what);
  if (!Array.isArray(j.manifests)) throw new ImagePullError(`${what}: index without manifests`, 'invalid');
  return j.manifests.map((m) => descriptor(m, what));
}

export function parseManifest(data: Buffer, what: string): { config: Descriptor; layers: Descriptor[] } {
  const j = asObject(data, what);
  if (j.schemaVersion === 1) throw new ImagePullError(`${what}: Docker schema 1 manifests are not supported (push the image again with a current client)`, 'invalid');
  if (!Array.isArray(j.layers)) throw new ImagePullError(`${what}: manifest without layers`, 'invalid');
  return { config: descriptor(j.config, what), layers: j.layers.map((l) => descriptor(l, what)) };
}

export interface ParsedConfig {
  config: ImageConfig;
  diffIds: string[];
  platform: Platform;
}

export function parseConfig(data: Buffer, what: string): ParsedConfig {
  const j = asObject(data, what) as {
    os?: string;
    architecture?: string;
    variant?: string;
    config?: { Entrypoint?: string[] | null; Cmd?: string[] | null; Env?: string[] | null; WorkingDir?: string; User?: string };
    rootfs?: { diff_ids?: string[] };
  };
  const c = j.config ?? {};
  const config: ImageConfig = {};
  if (Array.isArray(c.Entrypoint)) config.entrypoint = c.Entrypoint;
  if (Array.isArray(c.Cmd)) config.cmd = c.Cmd;
  if (Array.isArray(c.Env)) config.env = c.Env;
  if (c.WorkingDir) config.workingDir = c.WorkingDir;
  if (c.User) config.user = c.User;
  const diffIds = j.rootfs?.diff_ids ?? [];
  if (!Array.isArray(diffIds)) throw new ImagePullError(`${what}: rootfs.diff_ids is not a list`, 'invalid');
  return {
    config,
    diffIds,
    platform: { os: j.os ?? 'linux', architecture: j.architecture ?? 'amd64', ...(j.variant ? { variant: j.variant } : {}) },
  };
}

/** chainID(L1) = diffID(L1); chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev ? `sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}` : d);
  }
  return out;
}
