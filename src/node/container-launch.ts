// What the pod worker hands the runtime for one container start: on a runtime with images, the image made
// present first (image-pull.ts) and its config merged with the spec (container-spec.ts), the user resolved, the
// securityContext and resources translated; on the process runtime, the spec alone as before.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectReference } from '../client/index.js';
import type { ContainerConfig, ContainerRuntime } from '../runtime/types.js';
import { checkRunAsNonRoot, containerResources, containerSecurity, mergeArgv, mergeEnv, parseImageUser, processUser } from './container-spec.js';
import { ContainerConfigError } from './env.js';
import type { ImagePuller } from './image-pull.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export type LaunchFields = Pick<ContainerConfig, 'argv' | 'env' | 'workingDir' | 'user' | 'limits' | 'oci'>;

/** The image a container status reports: the reference and the digest it resolved to. */
export interface StatusImage {
  image: string;
  imageID: string;
  /** The image's ID in the store (image GC keeps it while used). */
  id: string;
}

export type LaunchPlan =
  | { ok: true; fields: LaunchFields; statusImage?: StatusImage }
  | { ok: false; waiting: { reason: string; message: string }; event?: string; retryMs: number };

export interface LaunchInput {
  pod: Pod;
  container: Container;
  runtime: ContainerRuntime;
  /** The spec's environment, resolved (env.ts). */
  env: Record<string, string>;
  /** $(VAR) expansion over the spec's environment. */
  expand(s: string): string;
  ref: ObjectReference;
  pulls: ImagePuller;
}

export async function planLaunch(i: LaunchInput): Promise<LaunchPlan> {
  const { pod, container: c } = i;
  const hostname = pod.spec?.hostname ?? pod.metadata?.name ?? '';
  const command = c.command?.map(i.expand);
  const args = c.args?.map(i.expand);
  const res = containerResources(c);
  const images = i.runtime.images;
  if (!images) {
    return {
      ok: true,
      fields: {
        argv: [...(command ?? []), ...(args ?? [])],
        env: { PATH: DEFAULT_PATH, HOSTNAME: hostname, ...i.env },
        ...(c.workingDir ? { workingDir: c.workingDir } : {}),
        ...(res.limits ? { limits: res.limits } : {}),
      },
    };
  }
  const got = await i.pulls.ensure(images, pod, c, i.ref);
  if (!('image' in got)) return { ok: false, waiting: got.waiting, event: got.event, retryMs: got.retryMs };
  const info = got.image;
  const cfg = info.config;
  const imageUser = parseImageUser(cfg.user);
  try {
    checkRunAsNonRoot(pod, c, imageUser);
  } catch (e) {
    if (!(e instanceof ContainerConfigError)) throw e;
    return { ok: false, waiting: { reason: 'CreateContainerConfigError', message: e.message }, event: `Error: ${e.message}`, retryMs: 10_000 };
  }
  const who = processUser(pod, c, imageUser);
  const user: { uid?: number; gid?: number } = { ...(who.uid !== undefined ? { uid: who.uid } : {}), ...(who.gid !== undefined ? { gid: who.gid } : {}) };
  // A user or group the image names is resolved by the runtime in the container's root filesystem.
  const userName = (who.userName || who.groupName) && cfg.user ? cfg.user : undefined;
  const argv = mergeArgv(command, args, cfg);
  if (!argv.length) {
    const msg = 'failed to create containerd container: no command specified';
    return { ok: false, waiting: { reason: 'CreateContainerError', message: msg }, event: `Error: ${msg}`, retryMs: 30_000 };
  }
  const workingDir = c.workingDir || cfg.workingDir;
  return {
    ok: true,
    fields: {
      argv,
      env: mergeEnv({ PATH: DEFAULT_PATH }, cfg, { HOSTNAME: hostname, ...i.env }),
      ...(workingDir ? { workingDir } : {}),
      ...(user.uid !== undefined || user.gid !== undefined ? { user } : {}),
      ...(res.limits ? { limits: res.limits } : {}),
      oci: {
        imageId: info.id,
        security: { ...containerSecurity(pod, c, user), ...(runAsNonRoot(pod, c) ? { runAsNonRoot: true } : {}) },
        ...(userName ? { userName } : {}),
        ...(res.cpuRequestMillis !== undefined ? { cpuRequestMillis: res.cpuRequestMillis } : {}),
      },
    },
    statusImage: { image: statusImageName(c.image ?? '', info.repoTags), imageID: info.repoDigests[0] ?? info.id, id: info.id },
  };
}

function runAsNonRoot(pod: Pod, c: Container): boolean {
  return !!(c.securityContext?.runAsNonRoot ?? pod.spec?.securityContext?.runAsNonRoot);
}

/** The normalized reference the store knows the spec's image by (docker.io/library/busybox:1.36), else the spec's. */
function statusImageName(spec: string, repoTags: string[]): string {
  const tail = spec.includes('@') ? spec.slice(spec.indexOf('@')) : `:${spec.slice(spec.lastIndexOf('/') + 1).split(':')[1] ?? 'latest'}`;
  const name = spec.includes('@') ? spec.slice(0, spec.indexOf('@')) : spec.replace(/:[^/:]+$/, '');
  return repoTags.find((t) => t.endsWith(`/${name}${tail}`) || t === `${name}${tail}`) ?? repoTags[0] ?? spec;
}
