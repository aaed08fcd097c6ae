// What a stage writes: the next pod status, worked out from the pod and the stage's `next` (pure, so golden
// tests can show object in, patch out). Conditions keep their lastTransitionTime when their status stays.
import type { ContainerStatus, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { parseDuration as parseDelay } from './duration.js';
import { hash32, type Stage, type StageNext } from './stages.js';
import { rfc3339, type Pod } from './types.js';

export interface RenderContext {
  now: Date;
  hostIP: string;
  /** The pod's IP when the stage starts it (ignored for hostNetwork pods, which get the node's). */
  podIP?: string;
}

function condition(old: readonly PodCondition[], type: string, status: 'True' | 'False', now: string, reason?: string): PodCondition {
  const prev = old.find((c) => c.type === type);
  const c: PodCondition = { type, status, lastProbeTime: null as unknown as string, lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now };
  if (reason) c.reason = reason;
  return c;
}

function containerId(pod: Pod, name: string): string {
  return `sim://${hash32(`${pod.metadata?.uid ?? ''}/${name}`).toString(16).padStart(8, '0')}`;
}

function containerStatuses(pod: Pod, next: StageNext, now: string, init: boolean): ContainerStatus[] {
  const specs = (init ? pod.spec?.initContainers : pod.spec?.containers) ?? [];
  const old = (init ? pod.status?.initContainerStatuses : pod.status?.containerStatuses) ?? [];
  return specs.map((c) => {
    const prev = old.find((s) => s.name === c.name);
    const startedAt = prev?.state?.running?.startedAt ?? prev?.state?.terminated?.startedAt ?? now;
    const base = { name: c.name, image: c.image ?? '', imageID: `sim://${c.image ?? ''}`, containerID: containerId(pod, c.name), restartCount: prev?.restartCount ?? 0 };
    // Init containers have always finished by the time the main containers run.
    if (init || next.containers === 'completed' || next.containers === 'error') {
      const ok = init || next.containers === 'completed';
      return {
        ...base,
        ready: false,
        started: false,
        state: { terminated: { exitCode: ok ? 0 : 1, reason: ok ? 'Completed' : 'Error', startedAt, finishedAt: prev?.state?.terminated?.finishedAt ?? now, containerID: base.containerID } },
      };
    }
    return { ...base, ready: true, started: true, state: { running: { startedAt } } };
  });
}

/** The status a stage's `next` leads to. */
export function renderStatus(pod: Pod, next: StageNext, ctx: RenderContext): PodStatus {
  const now = rfc3339(ctx.now);
  const old = pod.status?.conditions ?? [];
  const running = next.containers === 'running';
  const doneReason = next.phase === 'Succeeded' ? 'PodCompleted' : next.phase === 'Failed' ? 'PodFailed' : undefined;
  const podIP = pod.spec?.hostNetwork ? ctx.hostIP : (pod.status?.podIP ?? ctx.podIP);
  const status: PodStatus = {
    ...(next.phase ? { phase: next.phase } : {}),
    conditions: [
      condition(old, 'PodReadyToStartContainers', running ? 'True' : 'False', now),
      condition(old, 'Initialized', 'True', now, doneReason),
      condition(old, 'Ready', running ? 'True' : 'False', now, doneReason),
      condition(old, 'ContainersReady', running ? 'True' : 'False', now, doneReason),
      condition(old, 'PodScheduled', 'True', now),
    ],
    hostIP: ctx.hostIP,
    hostIPs: [{ ip: ctx.hostIP }],
    startTime: pod.status?.startTime ?? now,
  };
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  if (next.containers) {
    status.containerStatuses = containerStatuses(pod, next, now, false);
    if (pod.spec?.initContainers?.length) status.initContainerStatuses = containerStatuses(pod, next, now, true);
  }
  return status;
}

/** How long a pod waits in a stage: the annotation's duration when given, else the stage's delay plus jitter. */
export function stageDelayMs(stage: Stage, pod: Pod): number {
  const fromAnnotation = stage.delayAnnotation ? parseDelay(pod.metadata?.annotations?.[stage.delayAnnotation]) : undefined;
  if (fromAnnotation !== undefined) return fromAnnotation;
  const j = stage.jitterMs ? hash32(`${pod.metadata?.uid ?? ''}:${stage.name}`) % stage.jitterMs : 0;
  return stage.delayMs + j;
}
