// The pod status the agent writes: phase, conditions, IPs, start time and one ContainerStatus per container,
// computed from the slots (runtime state plus agent state) alone.
import type { ContainerStatus, ContainerState as KState, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import type { ContainerInfo } from '../runtime/types.js';
import { rfc3339 } from './node-object.js';
import { shouldRestart, type ContainerSlot, type PodSlot } from './pod-state.js';

export function containerID(runtime: string, id: string): string {
  return `${runtime}://${id}`;
}

function terminated(info: ContainerInfo, runtime: string): KState | undefined {
  const s = info.status;
  if (s.state !== 'exited') return undefined;
  return {
    terminated: {
      exitCode: s.exitCode,
      reason: s.reason ?? (s.exitCode === 0 ? 'Completed' : 'Error'),
      ...(s.startedAt ? { startedAt: rfc3339(s.startedAt) } : {}),
      finishedAt: rfc3339(s.finishedAt),
      containerID: containerID(runtime, info.id),
    },
  };
}

export function containerStatus(slot: ContainerSlot, image: string, runtime: string, waitingDefault: string, resolved?: { image: string; imageID: string }): ContainerStatus {
  const cur = slot.current;
  let state: KState;
  let lastState: KState = {};
  if (slot.waiting) {
    state = { waiting: { reason: slot.waiting.reason, ...(slot.waiting.message ? { message: slot.waiting.message } : {}) } };
    if (cur) lastState = terminated(cur, runtime) ?? {};
  } else if (cur?.status.state === 'running') {
    state = { running: { startedAt: rfc3339(cur.status.startedAt) } };
    if (slot.previous) lastState = terminated(slot.previous, runtime) ?? {};
  } else if (cur?.status.state === 'exited') {
    state = terminated(cur, runtime)!;
    if (slot.previous) lastState = terminated(slot.previous, runtime) ?? {};
  } else {
    state = { waiting: { reason: waitingDefault } };
  }
  const running = cur?.status.state === 'running' && !slot.waiting;
  return {
    name: slot.name,
    image: resolved?.image ?? image,
    imageID: resolved?.imageID ?? '',
    ...(cur ? { containerID: containerID(runtime, cur.id) } : {}),
    state,
    lastState,
    ready: running && slot.ready,
    restartCount: slot.restartCount,
    started: running && slot.started,
  };
}

function condition(type: string, ok: boolean, old: PodCondition[] | undefined, now: string, reason?: string): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  return {
    type,
    status,
    lastProbeTime: null as unknown as undefined,
    lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now,
    ...(!ok && reason ? { reason } : {}),
  };
}

export interface StatusInput {
  pod: Pod;
  slot: PodSlot;
  runtime: string;
  hostIP: string;
  now: Date;
  /** Images as the runtime resolved them (reference and digest), per container. */
  images?: WeakMap<ContainerSlot, { image: string; imageID: string }>;
}

export function computePodStatus({ pod, slot, runtime, hostIP, now, images }: StatusInput): PodStatus {
  const spec = pod.spec!;
  const policy = spec.restartPolicy ?? 'Always';
  const initSpecs = spec.initContainers ?? [];
  const inits = initSpecs.map((c) => slot.containers.get(c.name));
  const mains = spec.containers.map((c) => slot.containers.get(c.name));
  const exitedOk = (s: ContainerSlot | undefined) => s?.current?.status.state === 'exited' && s.current.status.exitCode === 0;
  const initialized = inits.every(exitedOk);
  const initFailed = inits.some((s) => s?.current?.status.state === 'exited' && s.current.status.exitCode !== 0 && !shouldRestart(policy, s.current.status.exitCode, true));

  const initStatuses = initSpecs.map((c, i) => containerStatus(inits[i] ?? { name: c.name, init: true, restartCount: 0, backoffMs: 0, probers: [], ready: false, started: false }, c.image ?? '', runtime, 'PodInitializing', inits[i] && images?.get(inits[i]!)));
  for (const s of initStatuses) s.ready = s.state?.terminated?.exitCode === 0;
  const statuses = spec.containers.map((c, i) =>
    containerStatus(mains[i] ?? { name: c.name, init: false, restartCount: 0, backoffMs: 0, probers: [], ready: false, started: false }, c.image ?? '', runtime, initialized ? 'ContainerCreating' : 'PodInitializing', mains[i] && images?.get(mains[i]!)),
  );

  // Phase, as kubelet's getPhase: terminal only when nothing will run again.
  let phase: PodStatus['phase'] = 'Pending';
  if (initFailed) phase = 'Failed';
  else if (initialized) {
    const states = mains.map((s) => s?.current?.status);
    const running = states.filter((s) => s?.state === 'running').length;
    const waitingRestart = mains.filter((s) => s?.waiting && s.current).length;
    const exited = states.filter((s) => s?.state === 'exited');
    if (running > 0 || waitingRestart > 0) phase = 'Running';
    else if (exited.length === mains.length && mains.length > 0) {
      const willRestart = mains.some((s) => s!.current!.status.state === 'exited' && shouldRestart(policy, (s!.current!.status as { exitCode: number }).exitCode, false));
      if (willRestart) phase = 'Running';
      else phase = exited.every((s) => s?.state === 'exited' && s.exitCode === 0) ? 'Succeeded' : 'Failed';
    }
  }

  const t = rfc3339(now);
  const old = pod.status?.conditions;
  const containersReady = statuses.length > 0 && statuses.every((s) => s.ready);
  const conditions: PodCondition[] = [
    ...(old ?? []).filter((c) => !['Initialized', 'Ready', 'ContainersReady', 'PodReadyToStartContainers'].includes(c.type)),
    condition('PodReadyToStartContainers', !!slot.sandbox, old, t),
    condition('Initialized', initialized, old, t, 'ContainersNotInitialized'),
    condition('Ready', containersReady && phase === 'Running', old, t, 'ContainersNotReady'),
    condition('ContainersReady', containersReady, old, t, 'ContainersNotReady'),
  ];
  if (!conditions.some((c) => c.type === 'PodScheduled')) conditions.unshift(condition('PodScheduled', true, old, t));
  const podIP = slot.sandbox?.ip;
  return {
    phase,
    conditions,
    hostIP,
    hostIPs: [{ ip: hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: slot.startTime ?? t,
    ...(initSpecs.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
    qosClass: pod.status?.qosClass ?? 'BestEffort',
  };
}
