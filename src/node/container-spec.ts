// How a container's process is made from its spec and its image, as Kubernetes does it: command replaces the
// image's ENTRYPOINT and drops its CMD, args alone replace CMD; the image's env comes first and the spec's wins;
// workingDir and user from the spec (securityContext, container over pod) else from the image. Also the
// securityContext and resources as the OCI runtime applies them, and kubelet's runAsNonRoot checks.
import type { Container, Pod, PodSecurityContext, SecurityContext } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../api/quantity.js';
import type { ContainerSecurity, ImageConfig } from '../runtime/types.js';
import { ContainerConfigError } from './env.js';

/** The process argv: command/args (already $(VAR)-expanded) merged with the image's ENTRYPOINT and CMD. */
export function mergeArgv(command: string[] | undefined, args: string[] | undefined, image: ImageConfig | undefined): string[] {
  if (command?.length) return [...command, ...(args ?? [])];
  const entry = image?.entrypoint ?? [];
  if (args?.length) return [...entry, ...args];
  return [...entry, ...(image?.cmd ?? [])];
}

/** Image env ("K=V" strings) under the spec's: the spec's values win, the image's PATH replaces the default. */
export function mergeEnv(base: Record<string, string>, image: ImageConfig | undefined, spec: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...base };
  for (const kv of image?.env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return Object.assign(out, spec);
}

/** The user the image names: numeric parts as numbers, names kept for resolution in the root filesystem. */
export interface ImageUser {
  uid?: number;
  gid?: number;
  userName?: string;
  groupName?: string;
}

export function parseImageUser(user: string | undefined): ImageUser {
  if (!user) return {};
  const [u = '', g] = user.split(':', 2);
  const out: ImageUser = {};
  if (/^\d+$/.test(u)) out.uid = Number(u);
  else if (u) out.userName = u;
  if (g !== undefined && /^\d+$/.test(g)) out.gid = Number(g);
  else if (g) out.groupName = g;
  return out;
}

/** The effective securityContext fields that the pod may set too: the container's win (kubelet's DetermineEffectiveSecurityContext). */
function effective(pod: Pod, c: Container): { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean; seccomp?: string } {
  const p: PodSecurityContext = pod.spec?.securityContext ?? {};
  const s: SecurityContext = c.securityContext ?? {};
  const runAsUser = s.runAsUser ?? p.runAsUser;
  const runAsGroup = s.runAsGroup ?? p.runAsGroup;
  const runAsNonRoot = s.runAsNonRoot ?? p.runAsNonRoot;
  const seccomp = s.seccompProfile?.type ?? p.seccompProfile?.type;
  return {
    ...(runAsUser !== undefined ? { runAsUser } : {}),
    ...(runAsGroup !== undefined ? { runAsGroup } : {}),
    ...(runAsNonRoot !== undefined ? { runAsNonRoot } : {}),
    ...(seccomp ? { seccomp } : {}),
  };
}

/** kubelet's format.Pod: name_namespace(uid). */
export function podDesc(pod: Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
}

/**
 * kubelet's verifyRunAsNonRoot: with runAsNonRoot, a root runAsUser, an image running as root (no user counts as
 * root) or an image user that is a name (cannot be verified) refuse the container (CreateContainerConfigError).
 */
export function checkRunAsNonRoot(pod: Pod, c: Container, imageUser: ImageUser): void {
  const e = effective(pod, c);
  if (!e.runAsNonRoot) return;
  const who = `(pod: ${JSON.stringify(podDesc(pod))}, container: ${c.name})`;
  if (e.runAsUser !== undefined) {
    if (e.runAsUser === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy ${who}`);
    return;
  }
  if (imageUser.uid === undefined && imageUser.userName) {
    throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${imageUser.userName}), cannot verify user is non-root ${who}`);
  }
  if ((imageUser.uid ?? 0) === 0) throw new ContainerConfigError(`container has runAsNonRoot and image will run as root ${who}`);
}

/** uid/gid the process runs as: securityContext first, then the image's numeric user; names stay for the rootfs. */
export function processUser(pod: Pod, c: Container, imageUser: ImageUser): { uid?: number; gid?: number; userName?: string; groupName?: string } {
  const e = effective(pod, c);
  const uid = e.runAsUser ?? imageUser.uid;
  const gid = e.runAsGroup ?? imageUser.gid;
  return {
    ...(uid !== undefined ? { uid } : {}),
    ...(gid !== undefined ? { gid } : {}),
    ...(e.runAsUser === undefined && imageUser.userName ? { userName: imageUser.userName } : {}),
    ...(e.runAsGroup === undefined && imageUser.groupName ? { groupName: imageUser.groupName } : {}),
  };
}

export function containerSecurity(pod: Pod, c: Container, user: { uid?: number; gid?: number }): ContainerSecurity {
  const p = pod.spec?.securityContext ?? {};
  const s = c.securityContext ?? {};
  const e = effective(pod, c);
  const caps = s.capabilities;
  return {
    ...(user.uid !== undefined ? { runAsUser: user.uid } : {}),
    ...(user.gid !== undefined ? { runAsGroup: user.gid } : {}),
    ...(p.supplementalGroups?.length ? { supplementalGroups: [...p.supplementalGroups] } : {}),
    ...(p.fsGroup !== undefined ? { fsGroup: p.fsGroup } : {}),
    ...(s.readOnlyRootFilesystem !== undefined ? { readOnlyRootFilesystem: s.readOnlyRootFilesystem } : {}),
    ...(s.privileged !== undefined ? { privileged: s.privileged } : {}),
    ...(s.allowPrivilegeEscalation !== undefined ? { allowPrivilegeEscalation: s.allowPrivilegeEscalation } : {}),
    ...(caps?.add?.length || caps?.drop?.length ? { capabilities: { ...(caps.add?.length ? { add: [...caps.add] } : {}), ...(caps.drop?.length ? { drop: [...caps.drop] } : {}) } } : {}),
    // Localhost profiles are not supported: they run with the runtime's default, as an unset profile would.
    ...(e.seccomp === 'Unconfined' ? { seccomp: 'Unconfined' as const } : e.seccomp === 'RuntimeDefault' ? { seccomp: 'RuntimeDefault' as const } : {}),
  };
}

function quantity(v: unknown): Quantity | undefined {
  return v === undefined || v === null ? undefined : Quantity.parse(String(v as string | number));
}

/** limits.cpu (CFS quota) and limits.memory, plus requests.cpu (shares; the limit when no request is set). */
export function containerResources(c: Container): { limits?: { cpuMillis?: number; memoryBytes?: number }; cpuRequestMillis?: number } {
  const cpu = quantity(c.resources?.limits?.cpu);
  const mem = quantity(c.resources?.limits?.memory);
  const req = quantity(c.resources?.requests?.cpu) ?? cpu;
  const limits = {
    ...(cpu ? { cpuMillis: cpu.milliValue() } : {}),
    ...(mem ? { memoryBytes: Math.ceil(mem.milliValue() / 1000) } : {}),
  };
  return { ...(cpu || mem ? { limits } : {}), ...(req ? { cpuRequestMillis: req.milliValue() } : {}) };
}
