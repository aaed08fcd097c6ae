// Pod volumes as directories under <podDir>/volumes/<name>, handed to the runtime as mounts (the process runtime
// maps them by environment variable and symlink; see src/runtime/process/runtime.ts). ConfigMap, Secret,
// downward API and projected volumes are rewritten in place on every sync, so changed objects show up in running
// pods (each file through a temporary file and rename, so readers never see half a file).
import type { KeyToPath, Pod, Volume } from 'kubernetes-types/core/v1.js';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import type { Client } from '../client/types.js';
import { persistentvolumeclaims, persistentvolumes, serviceaccounts } from '../client/resources.js';
import type { Mount } from '../runtime/types.js';
import { ContainerConfigError, fieldRefValue, resourceFieldValue, type ConfigSource, type NodeSize } from './env.js';
import { runTool } from './exec-tool.js';

export interface VolumeContext {
  pod: Pod;
  podDir: string;
  source: ConfigSource;
  client: Client;
  nodeName: string;
  node: NodeSize;
  podIP?: string;
  hostIP?: string;
  /** Cached service account tokens per volume, refreshed when 80% of their life has passed. */
  tokens: Map<string, { token: string; refreshAt: number }>;
  now: Date;
}

type Files = Map<string, { data: Buffer; mode: number }>;

/** Writes the files of a volume, removing any that are no longer wanted. */
async function syncFiles(dir: string, files: Files): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [rel, f] of files) {
    const p = join(dir, rel);
    await mkdir(dirname(p), { recursive: true });
    const cur = await readFile(p).catch(() => undefined);
    if (!cur || !cur.equals(f.data)) {
      await writeFile(`${p}.tug-tmp`, f.data, { mode: f.mode });
      await chmod(`${p}.tug-tmp`, f.mode);
      await rename(`${p}.tug-tmp`, p);
    }
  }
  const wanted = new Set([...files.keys()].map((k) => normalize(k)));
  const walk = async (d: string, prefix: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), rel);
      else if (!wanted.has(normalize(rel))) await rm(join(d, e.name), { force: true });
    }
  };
  await walk(dir, '');
}

function keyFiles(data: Record<string, Buffer>, items: KeyToPath[] | undefined, defaultMode: number, what: string, optional: boolean | undefined, into: Files): void {
  if (!items?.length) {
    for (const [k, v] of Object.entries(data)) into.set(k, { data: v, mode: defaultMode });
    return;
  }
  for (const it of items) {
    const v = data[it.key];
    if (v === undefined) {
      if (optional) continue;
      throw new ContainerConfigError(`configmap references non-existent config key: ${it.key} (${what})`);
    }
    into.set(it.path, { data: v, mode: it.mode ?? defaultMode });
  }
}

function cmData(ctx: VolumeContext, name: string): Record<string, Buffer> | undefined {
  const cm = ctx.source.configMap(ctx.pod.metadata?.namespace ?? 'default', name);
  if (!cm) return undefined;
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(cm.data ?? {})) out[k] = Buffer.from(v);
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out[k] = Buffer.from(v, 'base64');
  return out;
}

function secretData(ctx: VolumeContext, name: string): Record<string, Buffer> | undefined {
  const s = ctx.source.secret(ctx.pod.metadata?.namespace ?? 'default', name);
  if (!s) return undefined;
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = Buffer.from(v);
  for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, 'base64');
  return out;
}

function downwardFiles(ctx: VolumeContext, items: NonNullable<NonNullable<Volume['downwardAPI']>['items']>, mode: number, into: Files): void {
  for (const it of items) {
    let v = '';
    if (it.fieldRef) v = fieldRefValue(ctx.pod, it.fieldRef.fieldPath, ctx);
    else if (it.resourceFieldRef)
      v = resourceFieldValue(ctx.pod, it.resourceFieldRef.containerName, it.resourceFieldRef.resource, it.resourceFieldRef.divisor === undefined ? undefined : String(it.resourceFieldRef.divisor), ctx.node);
    into.set(it.path, { data: Buffer.from(v), mode: it.mode ?? mode });
  }
}

async function serviceAccountToken(ctx: VolumeContext, key: string, audience: string | undefined, expirationSeconds: number): Promise<string> {
  const cached = ctx.tokens.get(key);
  if (cached && cached.refreshAt > ctx.now.getTime()) return cached.token;
  const sa = ctx.pod.spec?.serviceAccountName ?? 'default';
  const ns = ctx.pod.metadata?.namespace ?? 'default';
  const tr = await ctx.client.createSubresource<{ status?: { token?: string } } & import('../api/object.js').KubeObject>(serviceaccounts, ns, sa, 'token', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: {},
    spec: {
      ...(audience ? { audiences: [audience] } : {}),
      expirationSeconds,
      boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: ctx.pod.metadata?.name, uid: ctx.pod.metadata?.uid },
    },
  } as import('../api/object.js').KubeObject);
  const token = tr.status?.token ?? '';
  ctx.tokens.set(key, { token, refreshAt: ctx.now.getTime() + expirationSeconds * 800 });
  return token;
}

/** The host directory of one volume, made ready (files written, tmpfs mounted, claim resolved). */
async function prepareVolume(v: Volume, ctx: VolumeContext): Promise<string> {
  const dir = join(ctx.podDir, 'volumes', v.name);
  if (v.hostPath) {
    const t = v.hostPath.type ?? '';
    if (t === 'DirectoryOrCreate' || (!existsSync(v.hostPath.path) && t === '')) await mkdir(v.hostPath.path, { recursive: true }).catch(() => undefined);
    else if (t === 'FileOrCreate' && !existsSync(v.hostPath.path)) {
      await mkdir(dirname(v.hostPath.path), { recursive: true });
      await writeFile(v.hostPath.path, '');
    } else if ((t === 'Directory' || t === 'File') && !existsSync(v.hostPath.path)) throw new ContainerConfigError(`hostPath type check failed: ${v.hostPath.path} does not exist`);
    return v.hostPath.path;
  }
  if (v.emptyDir) {
    if (!existsSync(dir)) {
      await mkdir(dir, { recursive: true });
      if (v.emptyDir.medium === 'Memory' && process.getuid?.() === 0) {
        const size = v.emptyDir.sizeLimit ? ['-o', `size=${String(v.emptyDir.sizeLimit).replace(/i$/, '')}`] : [];
        await runTool('mount', ['-t', 'tmpfs', ...size, 'tmpfs', dir]);
      }
    }
    return dir;
  }
  if (v.configMap) {
    const data = cmData(ctx, v.configMap.name ?? '');
    if (!data && !v.configMap.optional) throw new ContainerConfigError(`configmap "${v.configMap.name}" not found`);
    const files: Files = new Map();
    keyFiles(data ?? {}, v.configMap.items, v.configMap.defaultMode ?? 0o644, `configmap ${v.configMap.name}`, v.configMap.optional, files);
    await syncFiles(dir, files);
    return dir;
  }
  if (v.secret) {
    const data = secretData(ctx, v.secret.secretName ?? '');
    if (!data && !v.secret.optional) throw new ContainerConfigError(`secret "${v.secret.secretName}" not found`);
    const files: Files = new Map();
    keyFiles(data ?? {}, v.secret.items, v.secret.defaultMode ?? 0o644, `secret ${v.secret.secretName}`, v.secret.optional, files);
    await syncFiles(dir, files);
    return dir;
  }
  if (v.downwardAPI) {
    const files: Files = new Map();
    downwardFiles(ctx, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? 0o644, files);
    await syncFiles(dir, files);
    return dir;
  }
  if (v.projected) {
    const mode = v.projected.defaultMode ?? 0o644;
    const files: Files = new Map();
    for (const s of v.projected.sources ?? []) {
      if (s.configMap) {
        const data = cmData(ctx, s.configMap.name ?? '');
        // kube-root-ca.crt is published by a controller Tugboat may not run: its absence must not block pods.
        if (!data && !s.configMap.optional && s.configMap.name !== 'kube-root-ca.crt') throw new ContainerConfigError(`configmap "${s.configMap.name}" not found`);
        keyFiles(data ?? {}, data ? s.configMap.items : [], mode, `configmap ${s.configMap.name}`, s.configMap.optional, files);
      } else if (s.secret) {
        const data = secretData(ctx, s.secret.name ?? '');
        if (!data && !s.secret.optional) throw new ContainerConfigError(`secret "${s.secret.name}" not found`);
        keyFiles(data ?? {}, data ? s.secret.items : [], mode, `secret ${s.secret.name}`, s.secret.optional, files);
      } else if (s.downwardAPI) {
        downwardFiles(ctx, s.downwardAPI.items ?? [], mode, files);
      } else if (s.serviceAccountToken) {
        const t = s.serviceAccountToken;
        const token = await serviceAccountToken(ctx, `${v.name}/${t.path}`, t.audience, Math.max(600, t.expirationSeconds ?? 3600)).catch(() => '');
        files.set(t.path, { data: Buffer.from(token), mode });
      }
    }
    await syncFiles(dir, files);
    return dir;
  }
  if (v.persistentVolumeClaim) {
    const ns = ctx.pod.metadata?.namespace ?? 'default';
    const claim = v.persistentVolumeClaim.claimName;
    const pvc = await ctx.client.get<{ spec?: { volumeName?: string } } & import('../api/object.js').KubeObject>(persistentvolumeclaims, ns, claim).catch(() => undefined);
    if (!pvc) throw new ContainerConfigError(`persistentvolumeclaim "${claim}" not found`);
    if (!pvc.spec?.volumeName) throw new ContainerConfigError(`persistentvolumeclaim "${claim}" is not bound`);
    const pv = await ctx.client.get<{ spec?: { hostPath?: { path: string }; local?: { path: string } } } & import('../api/object.js').KubeObject>(persistentvolumes, undefined, pvc.spec.volumeName);
    const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    if (!path) throw new ContainerConfigError(`persistentvolume "${pvc.spec.volumeName}" is neither hostPath nor local`);
    await mkdir(path, { recursive: true }).catch(() => undefined);
    return path;
  }
  // Unknown volume types become an empty directory rather than blocking the pod.
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Prepares every volume of the pod; returns host paths by volume name. */
export async function prepareVolumes(ctx: VolumeContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const v of ctx.pod.spec?.volumes ?? []) out.set(v.name, await prepareVolume(v, ctx));
  return out;
}

export function containerMounts(container: { volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[] }, paths: Map<string, string>): Mount[] {
  const out: Mount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const host = paths.get(m.name);
    if (!host) throw new ContainerConfigError(`volume "${m.name}" not found in the pod`);
    out.push({ containerPath: m.mountPath, hostPath: m.subPath ? join(host, m.subPath) : host, readOnly: !!m.readOnly });
  }
  return out;
}

/** Unmounts Memory emptyDirs and removes the pod's volume directories (never hostPath or claim paths). */
export async function cleanupVolumes(pod: Pod | undefined, podDir: string): Promise<void> {
  for (const v of pod?.spec?.volumes ?? []) if (v.emptyDir?.medium === 'Memory') await runTool('umount', [join(podDir, 'volumes', v.name)]).catch(() => undefined);
  await rm(join(podDir, 'volumes'), { recursive: true, force: true }).catch(() => undefined);
}
