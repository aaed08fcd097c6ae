// One pod's sync, level-triggered: read the pod from the cache and the containers from the runtime, take the next
// step (sandbox, volumes, init containers in order, containers, restarts with CrashLoopBackOff, probes), then write
// the status. Running it twice does no harm; it is called on every pod change, container exit, probe verdict and
// on a timer.
import type { Container, LifecycleHandler, Pod } from 'kubernetes-types/core/v1.js';
import { request } from 'node:http';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client, EventRecorder } from '../client/index.js';
import { pods } from '../client/resources.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ContainerRuntime, Mount } from '../runtime/types.js';
import { ContainerConfigError, resolveEnv, type ConfigSource, type NodeSize } from './env.js';
import { expandVars } from './expand.js';
import { rfc3339 } from './node-object.js';
import { computePodStatus } from './pod-status.js';
import { BACKOFF_RESET_MS, newSlot, nextBackoff, shouldRestart, type ContainerSlot, type PodSlot } from './pod-state.js';
import { collector, Prober, runProbe, type ProbeTarget } from './probes.js';
import { cleanupVolumes, containerMounts, prepareVolumes } from './volumes.js';
import { podSandboxExtras, type ClusterDns } from './dns-config.js';
import { planLaunch, type StatusImage } from './container-launch.js';
import type { ImagePuller } from './image-pull.js';
import { podRuntime, runtimeForPod } from './runtime-class.js';
import { podServiceEnv, type ServiceLister } from './service-env.js';

export interface WorkerContext {
  client: Client;
  runtime: ContainerRuntime;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
  nodeName: string;
  hostIP: string;
  dataDir: string;
  node: NodeSize;
  source: ConfigSource;
  /** Services from the agent's informer, for the containers' service variables (absent: none). */
  services?: ServiceLister;
  /** Pods by key, from the agent's informer. */
  getPod(key: string): Pod | undefined;
  /** Re-run this pod's sync (now, or after a delay). */
  requeue(key: string, afterMs?: number): void;
  slots: Map<string, PodSlot>;
  /** Cluster DNS for pods' resolv.conf (src/node/dns-config.ts); absent: ClusterFirst pods get the host's. */
  dns?: ClusterDns;
  /** Image pulls (runtimes with an image store). */
  pulls: ImagePuller;
  /** The image each container status reports, once its image was resolved. */
  statusImages: WeakMap<ContainerSlot, StatusImage>;
}

export function podDirOf(dataDir: string, uid: string): string {
  return join(dataDir, 'pods', uid);
}

/** Where a container attempt logs: <podDir>/logs/<container>/<attempt>.log (kubelet: /var/log/pods/.../<n>.log). */
export function logPathOf(podDir: string, container: string, attempt: number): string {
  return join(podDir, 'logs', container, `${attempt}.log`);
}

function ref(pod: Pod, container?: string): import('../client/index.js').ObjectReference {
  const idx = container ? [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].findIndex((c) => c.name === container) : -1;
  const isInit = container ? (pod.spec?.initContainers ?? []).some((c) => c.name === container) : false;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    namespace: pod.metadata?.namespace,
    name: pod.metadata?.name,
    uid: pod.metadata?.uid,
    ...(container && idx >= 0 ? { fieldPath: isInit ? `spec.initContainers{${container}}` : `spec.containers{${container}}` } : {}),
  };
}

export async function syncPod(ctx: WorkerContext, key: string): Promise<void> {
  const pod = ctx.getPod(key);
  const slot = ctx.slots.get(key);
  if (slot && (!pod || pod.metadata?.uid !== slot.uid)) {
    // Gone, or replaced by a new pod of the same name: the old one's containers go.
    await terminatePod(ctx, slot, pod?.metadata?.uid === slot.uid ? pod : undefined, 0);
    ctx.slots.delete(key);
    if (pod) ctx.requeue(key);
    return;
  }
  if (!pod?.spec || pod.spec.nodeName !== ctx.nodeName) return;
  const s = slot ?? newPodSlot(ctx, key, pod);
  ctx.slots.set(key, s);

  if (pod.metadata?.deletionTimestamp) {
    const grace = (pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    await terminatePod(ctx, s, pod, grace);
    ctx.slots.delete(key);
    // The final delete, as kubelet does once the containers are gone.
    await ctx.client
      .delete(pods, pod.metadata.namespace, pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } })
      .catch((e: Error & { reason?: string }) => {
        if (e.reason !== 'NotFound' && e.reason !== 'Conflict') throw e;
      });
    return;
  }
  // A finished pod stays finished, also for an agent that starts after it ended (and after a node shutdown).
  if ((pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') && (s.lastStatus || !slot)) return;

  await refreshContainers(ctx, s);
  const volumeCtx = () => ({ pod, podDir: s.podDir, source: ctx.source, client: ctx.client, nodeName: ctx.nodeName, node: ctx.node, podIP: s.sandbox?.ip, hostIP: ctx.hostIP, tokens: s.tokens, now: ctx.clock.now() });
  // Volumes (token requests, config maps) need no sandbox: prepared while the pod network is set up, unless a
  // downward API file wants the pod IP. Settled to a value so that a failed sandbox leaves no rejection behind.
  const early = !s.sandbox && !volumesNeedPodIP(pod) ? prepareVolumes(volumeCtx()).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))) : undefined;
  if (!s.sandbox) {
    // RuntimeClass -> handler -> runtime: an unknown class or handler fails the sandbox, as kubelet reports it.
    const chosen = await runtimeForPod(ctx.client, ctx.runtime, pod);
    if (chosen instanceof Error) {
      ctx.recorder.event(ref(pod), 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${chosen.message}`);
      await early;
      await writeStatus(ctx, pod, s);
      ctx.requeue(key, 10_000);
      return;
    }
    try {
      s.sandbox = await ctx.runtime.createSandbox({
        podUid: s.uid,
        namespace: pod.metadata?.namespace ?? 'default',
        name: pod.metadata?.name ?? '',
        hostname: pod.spec.hostname ?? pod.metadata?.name ?? '',
        hostNetwork: !!pod.spec.hostNetwork,
        podDir: s.podDir,
        portMappings: pod.spec.containers.flatMap((c) =>
          (c.ports ?? []).filter((p) => p.hostPort).map((p) => ({ hostPort: p.hostPort!, containerPort: p.containerPort, protocol: (p.protocol ?? 'TCP').toLowerCase(), ...(p.hostIP ? { hostIP: p.hostIP } : {}) })),
        ),
        extras: podSandboxExtras(pod, ctx.dns),
      });
      s.startTime ??= rfc3339(ctx.clock.now());
    } catch (e) {
      ctx.recorder.event(ref(pod), 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
      await early;
      await writeStatus(ctx, pod, s);
      ctx.requeue(key, 5000);
      return;
    }
  }

  let volumes: Map<string, string>;
  try {
    const v = early ? await early : await prepareVolumes(volumeCtx());
    if (v instanceof Error) throw v;
    volumes = v;
  } catch (e) {
    ctx.recorder.event(ref(pod), 'Warning', 'FailedMount', `MountVolume.SetUp failed: ${(e as Error).message}`);
    await writeStatus(ctx, pod, s);
    ctx.requeue(key, 2000);
    return;
  }

  const policy = pod.spec.restartPolicy ?? 'Always';
  let delay: number | undefined;
  const wake = (ms: number) => (delay = delay === undefined ? ms : Math.min(delay, ms));

  // Init containers, one at a time, each to success before the next.
  let initialized = true;
  for (const c of pod.spec.initContainers ?? []) {
    const slotC = s.containers.get(c.name) ?? s.containers.set(c.name, newSlot(c.name, true)).get(c.name)!;
    const st = slotC.current?.status;
    if (st?.state === 'exited' && st.exitCode === 0) continue;
    initialized = false;
    if (st?.state === 'running') break;
    if (st?.state === 'exited' && !shouldRestart(policy, st.exitCode, true)) break;
    const w = await ensureStarted(ctx, pod, s, c, slotC, volumes, policy);
    if (w !== undefined) wake(w);
    break;
  }
  if (initialized) {
    for (const c of pod.spec.containers) {
      const slotC = s.containers.get(c.name) ?? s.containers.set(c.name, newSlot(c.name, false)).get(c.name)!;
      const st = slotC.current?.status;
      if (st?.state === 'running') {
        ensureProbers(ctx, pod, s, c, slotC);
        continue;
      }
      if (st?.state === 'exited' && !shouldRestart(policy, st.exitCode, false)) {
        stopProbers(slotC);
        slotC.waiting = undefined;
        continue;
      }
      const w = await ensureStarted(ctx, pod, s, c, slotC, volumes, policy);
      if (w !== undefined) wake(w);
    }
  }
  await writeStatus(ctx, pod, s);
  if (delay !== undefined) ctx.requeue(key, delay);
}

/** Whether a downward API volume file reads the pod's status (status.podIP and friends). */
function volumesNeedPodIP(pod: Pod): boolean {
  const refs = (pod.spec?.volumes ?? []).flatMap((v) => [...(v.downwardAPI?.items ?? []), ...(v.projected?.sources ?? []).flatMap((src) => src.downwardAPI?.items ?? [])]);
  return refs.some((it) => it.fieldRef?.fieldPath.startsWith('status.'));
}

function newPodSlot(ctx: WorkerContext, key: string, pod: Pod): PodSlot {
  const uid = pod.metadata?.uid ?? '';
  return { uid, key, podDir: podDirOf(ctx.dataDir, uid), containers: new Map(), tokens: new Map() };
}

/** Reads each slot's current container back from the runtime (exits noticed since the last sync). */
async function refreshContainers(ctx: WorkerContext, s: PodSlot): Promise<void> {
  for (const c of s.containers.values()) {
    if (c.current) c.current = (await ctx.runtime.status(c.current.id)) ?? c.current;
    if (c.current?.status.state === 'exited') {
      c.ready = false;
      c.started = false;
      stopProbers(c);
    }
  }
}

/**
 * Starts (or restarts, honouring CrashLoopBackOff) one container. Returns ms until it should be looked at again
 * when it is waiting.
 */
async function ensureStarted(ctx: WorkerContext, pod: Pod, s: PodSlot, c: Container, slot: ContainerSlot, volumes: Map<string, string>, policy: string): Promise<number | undefined> {
  const now = ctx.clock.now().getTime();
  const cur = slot.current;
  if (cur?.status.state === 'exited') {
    if (slot.handledExit !== cur.id) {
      slot.handledExit = cur.id;
      const ran = cur.status.startedAt ? cur.status.finishedAt.getTime() - cur.status.startedAt.getTime() : 0;
      if (ran >= BACKOFF_RESET_MS) slot.backoffMs = 0;
      slot.backoffUntil = cur.status.finishedAt.getTime() + slot.backoffMs;
      slot.backoffMs = nextBackoff(slot.backoffMs);
    }
    if (slot.backoffUntil !== undefined && now < slot.backoffUntil) {
      const waitMs = slot.backoffUntil - now;
      const secs = Math.round((slot.backoffMs === 10_000 ? 10_000 : slot.backoffMs / 2) / 1000);
      slot.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${fmtDuration(secs)} restarting failed container=${c.name} pod=${pod.metadata?.name}_${pod.metadata?.namespace}(${s.uid})` };
      ctx.recorder.event(ref(pod, c.name), 'Warning', 'BackOff', 'Back-off restarting failed container ' + c.name + ' in pod ' + `${pod.metadata?.name}_${pod.metadata?.namespace}(${s.uid})`);
      return waitMs;
    }
  }
  const rt = podRuntime(ctx.runtime, s.uid);
  if (rt.name === 'process' && !c.command?.length) {
    const msg = `the process runtime cannot run the image's entrypoint: container "${c.name}" needs a command (or the OCI runtime)`;
    if (slot.waiting?.reason !== 'CreateContainerError') ctx.recorder.event(ref(pod, c.name), 'Warning', 'Failed', `Error: ${msg}`);
    slot.waiting = { reason: 'CreateContainerError', message: msg };
    return 30_000;
  }
  let env: Record<string, string>;
  let mounts: Mount[];
  try {
    // Read at each start: a running container keeps the variables it started with, as in Kubernetes.
    const services = ctx.services ? podServiceEnv(pod, ctx.services) : undefined;
    env = resolveEnv({ pod, container: c, source: ctx.source, podIP: s.sandbox?.ip, hostIP: ctx.hostIP, nodeName: ctx.nodeName, node: ctx.node, ...(services ? { services } : {}) });
    mounts = containerMounts(c, volumes);
  } catch (e) {
    if (!(e instanceof ContainerConfigError)) throw e;
    if (slot.waiting?.message !== e.message) ctx.recorder.event(ref(pod, c.name), 'Warning', 'Failed', `Error: ${e.message}`);
    slot.waiting = { reason: 'CreateContainerConfigError', message: e.message };
    return 2000;
  }
  const look = (n: string) => env[n];
  // Image pulled (runtimes with images) and its config merged with the spec.
  const plan = await planLaunch({ pod, container: c, runtime: rt, env, expand: (a) => expandVars(a, look), ref: ref(pod, c.name), pulls: ctx.pulls });
  if (!plan.ok) {
    if (plan.event && (slot.waiting?.reason !== plan.waiting.reason || plan.waiting.reason.includes('Image'))) ctx.recorder.event(ref(pod, c.name), 'Warning', 'Failed', plan.event);
    slot.waiting = plan.waiting;
    return plan.retryMs;
  }
  if (plan.statusImage) ctx.statusImages.set(slot, plan.statusImage);
  const attempt = slot.current ? slot.current.attempt + 1 : 0;
  try {
    const info = await ctx.runtime.createAndStart(s.sandbox!, {
      name: c.name,
      attempt,
      ...(c.image ? { image: c.image } : {}),
      ...plan.fields,
      mounts,
      tty: !!c.tty,
      stdin: !!c.stdin,
      stdinOnce: !!c.stdinOnce,
      logPath: logPathOf(s.podDir, c.name, attempt),
    });
    if (slot.current) {
      // Keep one previous container (logs --previous); older ones go.
      if (slot.previous) await ctx.runtime.remove(slot.previous.id).catch(() => undefined);
      slot.previous = slot.current;
      slot.restartCount++;
    }
    slot.current = info;
    slot.waiting = undefined;
    slot.ready = false;
    slot.started = !c.startupProbe;
    ctx.recorder.event(ref(pod, c.name), 'Normal', 'Created', `Created container: ${c.name}`);
    ctx.recorder.event(ref(pod, c.name), 'Normal', 'Started', `Started container ${c.name}`);
    if (c.lifecycle?.postStart) {
      const err = await runHook(ctx, s, info.id, c, c.lifecycle.postStart);
      if (err) {
        ctx.recorder.event(ref(pod, c.name), 'Warning', 'FailedPostStartHook', err);
        await ctx.runtime.stop(info.id, (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
        slot.current = (await ctx.runtime.status(info.id)) ?? info;
        return 0;
      }
    }
    if (!slot.init) ensureProbers(ctx, pod, s, c, slot);
    return undefined;
  } catch (e) {
    const msg = (e as Error).message;
    ctx.recorder.event(ref(pod, c.name), 'Warning', 'Failed', `Error: ${msg}`);
    slot.waiting = { reason: 'RunContainerError', message: msg };
    void policy;
    return 10_000;
  }
}

function fmtDuration(secs: number): string {
  return secs >= 60 ? `${Math.floor(secs / 60)}m${secs % 60}s` : `${secs}s`;
}

function probeTarget(ctx: WorkerContext, s: PodSlot, c: Container, containerId: string): ProbeTarget {
  const ip = s.sandbox?.netnsPath ? s.sandbox.ip : '127.0.0.1';
  return {
    ip,
    container: c,
    exec: async (argv, timeoutMs) => {
      const out = collector();
      const timer = new Promise<number>((r) => setTimeout(() => r(-1), timeoutMs).unref());
      const code = await Promise.race([ctx.runtime.exec(containerId, argv, { stdout: out.stream, stderr: out.stream, tty: false }), timer]);
      return { code, output: code === -1 ? `command timed out after ${timeoutMs / 1000}s` : out.text() };
    },
  };
}

function ensureProbers(ctx: WorkerContext, pod: Pod, s: PodSlot, c: Container, slot: ContainerSlot): void {
  const id = slot.current?.id;
  if (!id || slot.probers.length || slot.init) {
    if (!c.readinessProbe && slot.started && !slot.probers.length) slot.ready = true;
    return;
  }
  const target = probeTarget(ctx, s, c, id);
  const key = s.key;
  if (!c.readinessProbe) slot.ready = slot.started;
  if (c.startupProbe)
    slot.probers.push(
      new Prober({
        kind: 'startup',
        probe: c.startupProbe,
        target,
        onResult: (ok, msg) => {
          if (slot.current?.id !== id) return;
          if (ok) {
            slot.started = true;
            if (!c.readinessProbe) slot.ready = true;
          } else {
            ctx.recorder.event(ref(pod, c.name), 'Warning', 'Unhealthy', `Startup probe failed: ${msg}`);
            killForProbe(ctx, pod, slot, c, 'startup');
          }
          ctx.requeue(key);
        },
      }),
    );
  if (c.readinessProbe)
    slot.probers.push(
      new Prober({
        kind: 'readiness',
        probe: c.readinessProbe,
        target,
        gate: () => slot.started,
        onResult: (ok, msg) => {
          if (slot.current?.id !== id) return;
          slot.ready = ok;
          if (!ok) ctx.recorder.event(ref(pod, c.name), 'Warning', 'Unhealthy', `Readiness probe failed: ${msg}`);
          ctx.requeue(key);
        },
      }),
    );
  if (c.livenessProbe)
    slot.probers.push(
      new Prober({
        kind: 'liveness',
        probe: c.livenessProbe,
        target,
        gate: () => slot.started,
        onResult: (ok, msg) => {
          if (ok || slot.current?.id !== id) return;
          ctx.recorder.event(ref(pod, c.name), 'Warning', 'Unhealthy', `Liveness probe failed: ${msg}`);
          killForProbe(ctx, pod, slot, c, 'liveness');
        },
      }),
    );
}

function killForProbe(ctx: WorkerContext, pod: Pod, slot: ContainerSlot, c: Container, kind: string): void {
  const id = slot.current?.id;
  if (!id || slot.killing) return;
  slot.killing = true;
  stopProbers(slot);
  ctx.recorder.event(ref(pod, c.name), 'Normal', 'Killing', `Container ${c.name} failed ${kind} probe, will be restarted`);
  const grace = (c.livenessProbe?.terminationGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
  void ctx.runtime
    .stop(id, grace)
    .catch((e: Error) => ctx.log.warn('stop failed', { container: id, err: e }))
    .finally(() => {
      slot.killing = false;
      ctx.requeue(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
    });
}

function stopProbers(slot: ContainerSlot): void {
  for (const p of slot.probers) p.stop();
  slot.probers = [];
}

/** Runs a postStart or preStop handler; returns an error message when it failed. */
async function runHook(ctx: WorkerContext, s: PodSlot, containerId: string, c: Container, h: LifecycleHandler): Promise<string | undefined> {
  if (h.exec) {
    const out = collector();
    const code = await ctx.runtime.exec(containerId, h.exec.command ?? [], { stdout: out.stream, stderr: out.stream, tty: false }).catch(() => -1);
    return code === 0 ? undefined : `Exec lifecycle hook (${(h.exec.command ?? []).join(' ')}) for Container "${c.name}" failed - error: command exited with ${code}, message: ${JSON.stringify(out.text())}`;
  }
  if (h.httpGet) {
    const g = h.httpGet;
    const port = typeof g.port === 'number' ? g.port : (c.ports?.find((p) => p.name === g.port)?.containerPort ?? Number(g.port));
    const host = g.host ?? (s.sandbox?.netnsPath ? s.sandbox.ip : '127.0.0.1');
    return new Promise((resolve) => {
      const req = request({ host, port, path: g.path ?? '/', timeout: 10_000 }, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? undefined : `HTTP lifecycle hook (${g.path ?? '/'}) for Container "${c.name}" failed - error: HTTP status ${code}`);
      });
      req.on('error', (e) => resolve(`HTTP lifecycle hook (${g.path ?? '/'}) for Container "${c.name}" failed - error: ${e.message}`));
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });
  }
  if (h.sleep) {
    await ctx.clock.sleep(h.sleep.seconds * 1000);
    return undefined;
  }
  return undefined;
}

/** Stops every container (preStop hooks first, then SIGTERM, SIGKILL after the grace period) and frees the pod. */
export async function terminatePod(ctx: WorkerContext, s: PodSlot, pod: Pod | undefined, graceMs: number): Promise<void> {
  s.terminating = true;
  ctx.pulls.forgetPod(s.uid);
  const specs = [...(pod?.spec?.containers ?? []), ...(pod?.spec?.initContainers ?? [])];
  await Promise.all(
    [...s.containers.values()].map(async (slot) => {
      stopProbers(slot);
      const cur = slot.current;
      if (!cur) return;
      const st = await ctx.runtime.status(cur.id);
      if (st?.status.state === 'running') {
        const c = specs.find((x) => x.name === slot.name);
        const deadline = Date.now() + graceMs;
        if (c?.lifecycle?.preStop) await Promise.race([runHook(ctx, s, cur.id, c, c.lifecycle.preStop), new Promise((r) => setTimeout(r, graceMs).unref())]);
        if (pod && c) ctx.recorder.event(ref(pod, c.name), 'Normal', 'Killing', `Stopping container ${c.name}`);
        await ctx.runtime.stop(cur.id, Math.max(0, deadline - Date.now()));
        // The exit as it happened, for a status written after this (a node shutting down reports its pods).
        slot.current = (await ctx.runtime.status(cur.id).catch(() => undefined)) ?? cur;
      }
    }),
  );
  for (const slot of s.containers.values()) {
    for (const c of [slot.previous, slot.current]) if (c) await ctx.runtime.remove(c.id).catch(() => undefined);
  }
  const sandboxId = s.sandbox?.id ?? `sb-${s.uid}`;
  await ctx.runtime.removeSandbox(sandboxId).catch((e: Error) => ctx.log.warn('removing sandbox failed', { pod: s.key, err: e }));
  await cleanupVolumes(pod, s.podDir);
  await rm(s.podDir, { recursive: true, force: true }).catch(() => undefined);
}

async function writeStatus(ctx: WorkerContext, pod: Pod, s: PodSlot): Promise<void> {
  const status = computePodStatus({ pod, slot: s, runtime: podRuntime(ctx.runtime, s.uid).name, hostIP: ctx.hostIP, now: ctx.clock.now(), images: ctx.statusImages });
  // Timestamps of conditions only move on transitions, so an unchanged status compares equal and is not written.
  const text = JSON.stringify(status);
  if (text === s.lastStatus) return;
  await ctx.client.patch(pods, pod.metadata?.namespace, pod.metadata?.name ?? '', 'merge', { status }, { subresource: 'status' });
  s.lastStatus = text;
}

export async function ensurePodDir(podDir: string): Promise<void> {
  await mkdir(podDir, { recursive: true });
}

export { runProbe };
