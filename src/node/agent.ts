// The node agent (our kubelet): registers the Node, renews its Lease, watches the pods bound to it and runs one
// level-triggered sync per pod (pod-worker.ts) through a work queue keyed by namespace/name. After a restart it
// adopts the containers the runtime still has and removes those of pods deleted meanwhile.
import type { ConfigMap, Node, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import type { IncomingMessage } from 'node:http';
import { cpus, totalmem } from 'node:os';
import type { TLSSocket } from 'node:tls';
import type { KubeObject } from '../api/object.js';
import {
  createEventRecorder,
  createWorkQueue,
  keyOf,
  runWorkers,
  SharedInformer,
  type Client,
  type EventRecorder,
  type InformerFactory,
} from '../client/index.js';
import { configmaps, leases, nodes, pods, secrets, services } from '../client/resources.js';
import { realClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { ContainerRuntime, SandboxLister } from '../runtime/types.js';
import { buildNode, machineIP, microTime, NODE_LEASE_NAMESPACE, nodeImages, nodeStatus, type NodeShape } from './node-object.js';
import { newSlot, type PodSlot } from './pod-state.js';
import { computePodStatus } from './pod-status.js';
import { podDirOf, syncPod, terminatePod, type WorkerContext } from './pod-worker.js';
import { podRuntime } from './runtime-class.js';
import { AgentStreamTarget } from './stream-target.js';
import { ImagePuller } from './image-pull.js';
import { imageServices, runImageGc, type ImageGcPolicy } from './image-gc.js';
import { startAgentStreamServer, type AgentStreamServer } from './streams/server.js';
import { PROMETHEUS_CONTENT_TYPE, renderResourceMetrics, startResourceMetrics } from './metrics/index.js';

export interface NodeAgentOptions {
  client: Client;
  /** Shared informers for ConfigMaps, Secrets and Services (the pod informer is the agent's own, filtered to this node). */
  informers?: InformerFactory;
  clock?: Clock;
  logger?: Logger;
  signal: AbortSignal;
  nodeName: string;
  dataDir: string;
  runtime: ContainerRuntime;
  /** Pod network in use (for the Node's podCIDR); the runtime holds the network itself. */
  network?: { podCidr: string; mode: 'cni' | 'host' };
  /** The node's address (default: the machine's first non-internal IPv4). */
  nodeIP?: string;
  /** Parallel pod syncs (default 16). */
  workers?: number;
  /** Lease renewal and node status interval (default 10 s). */
  heartbeatMs?: number;
  /** How often every pod is synced regardless of events (volumes refresh; default 10 s). */
  resyncMs?: number;
  recorder?: EventRecorder;
  /**
   * Serve logs, exec, attach and port-forward to the API server (kubelet's :10250), published on the Node as
   * status.daemonEndpoints.kubeletEndpoint. Port 0 picks a free one.
   */
  streams?: AgentStreamsOptions;
  /** How often the stream endpoint's /metrics/resource is sampled (default 10 s, or TUG_METRICS_SAMPLE_INTERVAL). */
  metricsIntervalMs?: number;
  /** Cluster DNS for pods' resolv.conf (dnsPolicy ClusterFirst); absent: pods get the host's. */
  dns?: { clusterDNS: string[]; clusterDomain: string };
  /** Image garbage collection (runtimes with images; kubelet's defaults: 85 % / 80 %, 2 min, every 5 min). */
  imageGc?: Partial<ImageGcPolicy>;
}

export interface AgentStreamsOptions {
  /** Default: the node IP. */
  host?: string;
  port: number;
  /** PEM: the serving certificate (node IP in its SANs) and the CA the API server's client certificate is from. */
  tls: { key: string; cert: string; ca: string };
  /** Default: the peer certificate's CN is kube-apiserver-kubelet-client. */
  authorize?(req: IncomingMessage): boolean;
}

/** The CN of the API server's client certificate towards agents (src/apiserver/pki). */
export const APISERVER_KUBELET_CLIENT_CN = 'kube-apiserver-kubelet-client';

export interface NodeAgent {
  nodeName: string;
  hostIP: string;
  /** Resolves once the agent has stopped (signal aborted). */
  done: Promise<void>;
  /** The agent's view, for tests. */
  slots: Map<string, PodSlot>;
  /** The stream endpoint's port, when it serves one. */
  streamPort?: number;
  /**
   * Stops every pod's containers (preStop, SIGTERM, SIGKILL after the pod's grace period, at most maxGraceMs) and
   * removes their sandboxes: for a node that is going away. Call after the signal aborted and done resolved.
   */
  stopAllPods(maxGraceMs: number): Promise<void>;
}

function isNotFound(e: unknown): boolean {
  return (e as { reason?: string })?.reason === 'NotFound';
}

async function registerNode(client: Client, shape: NodeShape, clock: Clock): Promise<void> {
  let cur: Node & KubeObject;
  try {
    cur = await client.create<Node & KubeObject>(nodes, undefined, buildNode(shape, clock.now()) as Node & KubeObject);
  } catch (e) {
    if ((e as { reason?: string }).reason !== 'AlreadyExists') throw e;
    cur = await client.get<Node & KubeObject>(nodes, undefined, shape.name);
    if (!cur.spec?.podCIDR) await client.patch(nodes, undefined, shape.name, 'merge', { spec: { podCIDR: shape.podCidr, podCIDRs: [shape.podCidr] } });
  }
  // Status is a subresource: a create drops it, so it is always written separately.
  await client.patch(nodes, undefined, shape.name, 'merge', { status: nodeStatus(shape, clock.now(), cur.status, true) }, { subresource: 'status' });
}

async function heartbeat(client: Client, shape: NodeShape, clock: Clock, durationSeconds: number): Promise<void> {
  const now = microTime(clock.now());
  try {
    await client.patch(leases, NODE_LEASE_NAMESPACE, shape.name, 'merge', { spec: { renewTime: now, holderIdentity: shape.name, leaseDurationSeconds: durationSeconds } });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    const node = await client.get<Node & KubeObject>(nodes, undefined, shape.name);
    await client.create(leases, NODE_LEASE_NAMESPACE, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: shape.name, namespace: NODE_LEASE_NAMESPACE, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: shape.name, uid: node.metadata?.uid ?? '' }] },
      spec: { holderIdentity: shape.name, leaseDurationSeconds: durationSeconds, renewTime: now },
    } as KubeObject);
  }
  const cur = await client.get<Node & KubeObject>(nodes, undefined, shape.name);
  await client.patch(nodes, undefined, shape.name, 'merge', { status: { conditions: nodeStatus(shape, clock.now(), cur.status, true).conditions } }, { subresource: 'status' });
}

/**
 * Keeps the Node's status.images in step with the runtime's image store (none with the process runtime). A
 * refresh reads the store's index (cheap) and writes only when the list changed; calls during a refresh fold into
 * one more. It never throws: a failed write is retried on the next call.
 */
function imagesReporter(o: { client: Client; nodeName: string; runtime: ContainerRuntime; signal: AbortSignal; log: Logger }): () => Promise<void> {
  const sources = imageServices(o.runtime);
  let reported: string | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  const once = async () => {
    const images = nodeImages((await Promise.all(sources.map((s) => s.list()))).flat());
    const json = JSON.stringify(images);
    if (json === reported || o.signal.aborted) return;
    // A merge patch replaces the list whole; null drops the field when the store is empty, as kubelet omits it.
    await o.client.patch(nodes, undefined, o.nodeName, 'merge', { status: { images: images.length ? images : null } }, { subresource: 'status' });
    reported = json;
  };
  const loop = async () => {
    do {
      again = false;
      await once().catch((e: Error) => o.log.debug('node status images not written', { err: e }));
    } while (again && !o.signal.aborted);
    running = undefined;
  };
  return () => {
    if (!sources.length) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    return (running = loop());
  };
}

export async function startNodeAgent(o: NodeAgentOptions): Promise<NodeAgent> {
  const clock = o.clock ?? realClock;
  const log = (o.logger ?? silentLogger).child(`node-agent:${o.nodeName}`);
  const hostIP = o.nodeIP ?? machineIP();
  const shape: NodeShape = {
    name: o.nodeName,
    ip: hostIP,
    podCidr: o.network?.podCidr ?? '10.42.0.0/24',
    runtimeVersion: `${o.runtime.name}://${process.versions.node}`,
  };
  const slots = new Map<string, PodSlot>();
  let streams: AgentStreamServer | undefined;
  if (o.streams) {
    const authorize = o.streams.authorize ?? ((req: IncomingMessage) => (req.socket as TLSSocket).getPeerCertificate?.()?.subject?.CN === APISERVER_KUBELET_CLIENT_CN);
    const metrics = startResourceMetrics({ slots, runtime: o.runtime, signal: o.signal, clock, intervalMs: o.metricsIntervalMs });
    streams = await startAgentStreamServer({
      resourceMetrics: () => ({ contentType: PROMETHEUS_CONTENT_TYPE, body: renderResourceMetrics(metrics.latest()) }),
      host: o.streams.host ?? hostIP,
      port: o.streams.port,
      tls: o.streams.tls,
      authorize,
      target: new AgentStreamTarget({ runtime: o.runtime, slots }),
      onError: (e) => log.debug('stream session failed', { err: e }),
    });
    shape.kubeletPort = streams.port;
    const server = streams;
    o.signal.addEventListener('abort', () => void server.close(), { once: true });
  }
  await registerNode(o.client, shape, clock);
  await heartbeat(o.client, shape, clock, 40).catch((e: Error) => log.warn('lease renewal failed', { err: e }));
  const refreshImages = imagesReporter({ client: o.client, nodeName: o.nodeName, runtime: o.runtime, signal: o.signal, log });
  await refreshImages();

  const podInformer = new SharedInformer<Pod & KubeObject>({ client: o.client, resource: pods, fieldSelector: `spec.nodeName=${o.nodeName}`, logger: log });
  const own = !o.informers;
  const cmInformer = o.informers ? o.informers.informer<ConfigMap & KubeObject>(configmaps) : new SharedInformer<ConfigMap & KubeObject>({ client: o.client, resource: configmaps, logger: log });
  const secretInformer = o.informers ? o.informers.informer<Secret & KubeObject>(secrets) : new SharedInformer<Secret & KubeObject>({ client: o.client, resource: secrets, logger: log });
  // Services only feed containers' env at start: their changes need not requeue pods.
  const svcInformer = o.informers ? o.informers.informer<Service & KubeObject>(services) : new SharedInformer<Service & KubeObject>({ client: o.client, resource: services, logger: log });
  const queue = createWorkQueue({ clock, name: 'pods', baseDelayMs: 200, maxDelayMs: 30_000 });
  const recorder = o.recorder ?? createEventRecorder({ client: o.client, component: 'kubelet', host: o.nodeName, clock, logger: log });
  const byUid = () => new Map([...slots.values()].map((s) => [s.uid, s.key]));

  const ctx: WorkerContext = {
    client: o.client,
    runtime: o.runtime,
    recorder,
    clock,
    log,
    nodeName: o.nodeName,
    hostIP,
    dataDir: o.dataDir,
    node: { cpus: cpus().length, memoryBytes: totalmem() },
    source: { configMap: (ns, n) => cmInformer.get(ns, n), secret: (ns, n) => secretInformer.get(ns, n) },
    services: { list: (ns) => svcInformer.list(ns) },
    getPod: (key) => {
      const i = key.indexOf('/');
      return podInformer.get(key.slice(0, i), key.slice(i + 1));
    },
    requeue: (key, ms) => (ms ? queue.addAfter(key, ms) : queue.add(key)),
    slots,
    ...(o.dns ? { dns: o.dns } : {}),
    pulls: new ImagePuller({ recorder, clock, log, source: { configMap: (ns, n) => cmInformer.get(ns, n), secret: (ns, n) => secretInformer.get(ns, n) } }),
    statusImages: new WeakMap(),
  };

  const enqueue = (obj: KubeObject) => queue.add(keyOf(obj));
  podInformer.addHandlers({ add: enqueue, update: (_, n) => enqueue(n), delete: enqueue });
  const enqueueNamespace = (obj: KubeObject) => {
    for (const p of podInformer.list(obj.metadata?.namespace)) enqueue(p);
  };
  for (const inf of [cmInformer, secretInformer]) inf.addHandlers({ add: enqueueNamespace, update: (_, n) => enqueueNamespace(n), delete: enqueueNamespace });
  o.runtime.onExit((info) => {
    const key = byUid().get(info.podUid);
    if (key) queue.add(key);
  });

  if (own) await Promise.all([cmInformer.start(o.signal), secretInformer.start(o.signal), svcInformer.start(o.signal)]);
  else await o.informers!.start(o.signal);
  await recover(ctx, podInformer, o.signal, log);
  await podInformer.start(o.signal);
  // Pods deleted while the agent was away: their containers go now.
  await removeOrphans(ctx, podInformer);

  // Probers run on timers of their own: they end with the agent (containers live on, probed by the next agent).
  o.signal.addEventListener('abort', () => {
    for (const s of slots.values()) for (const c of s.containers.values()) for (const p of c.probers.splice(0)) p.stop();
  }, { once: true });
  const imageGc = runImageGc({ runtime: o.runtime, slots, statusImages: ctx.statusImages, clock, log, signal: o.signal, policy: o.imageGc });
  // A sync may have pulled an image: status.images follows at once rather than at the next heartbeat.
  const sync = (key: string) => syncPod(ctx, key).finally(() => void refreshImages());
  const workers = runWorkers(queue, sync, { workers: o.workers ?? 16, signal: o.signal, logger: log });
  const heartbeatMs = o.heartbeatMs ?? 10_000;
  const resyncMs = o.resyncMs ?? 10_000;
  const loops = (async () => {
    let lastResync = 0;
    while (!o.signal.aborted) {
      await clock.sleep(Math.min(heartbeatMs, resyncMs), o.signal).catch(() => undefined);
      if (o.signal.aborted) break;
      await heartbeat(o.client, shape, clock, Math.ceil((heartbeatMs * 4) / 1000)).catch((e: Error) => log.warn('lease renewal failed', { err: e }));
      // `tug images` (another process) may have pulled or removed images.
      await refreshImages();
      if (clock.now().getTime() - lastResync >= resyncMs) {
        lastResync = clock.now().getTime();
        for (const p of podInformer.list()) enqueue(p);
      }
    }
  })();
  log.info('node agent running', { node: o.nodeName, ip: hostIP, runtime: o.runtime.name, ...(streams ? { streamPort: streams.port } : {}) });
  return {
    nodeName: o.nodeName,
    hostIP,
    slots,
    ...(streams ? { streamPort: streams.port } : {}),
    done: Promise.all([workers, loops, imageGc]).then(() => undefined),
    stopAllPods: (maxGraceMs) => stopAllPods(ctx, podInformer, maxGraceMs),
  };
}

async function stopAllPods(ctx: WorkerContext, podInformer: SharedInformer<Pod & KubeObject>, maxGraceMs: number): Promise<void> {
  await Promise.all(
    [...ctx.slots].map(async ([key, slot]) => {
      const pod = podInformer.get(slot.key.slice(0, slot.key.indexOf('/')), slot.key.slice(slot.key.indexOf('/') + 1));
      const mine = pod?.metadata?.uid === slot.uid ? pod : undefined;
      const graceMs = Math.min(maxGraceMs, (mine?.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
      await terminatePod(ctx, slot, mine, graceMs).catch((e: Error) => ctx.log.warn('stopping pod failed', { pod: key, err: e }));
      ctx.slots.delete(key);
      // Not ready any more, with each container's real exit: the next start of the node runs them again.
      if (mine && !mine.metadata?.deletionTimestamp) {
        const status = computePodStatus({ pod: mine, slot, runtime: podRuntime(ctx.runtime, slot.uid).name, hostIP: ctx.hostIP, now: ctx.clock.now(), images: ctx.statusImages });
        await ctx.client
          .patch(pods, mine.metadata?.namespace, mine.metadata?.name ?? '', 'merge', { status }, { subresource: 'status' })
          .catch((e: Error) => ctx.log.debug('pod status at shutdown not written', { pod: key, err: e }));
      }
    }),
  );
  // Whatever the slots did not know of (a sync cut short): nothing of ours may outlive the node.
  for (const c of await ctx.runtime.list()) await ctx.runtime.remove(c.id).catch(() => undefined);
  if ('listSandboxes' in ctx.runtime) {
    for (const s of await (ctx.runtime as ContainerRuntime & SandboxLister).listSandboxes()) await ctx.runtime.removeSandbox(s.id).catch(() => undefined);
  }
}

/** Rebuilds the slots from what the runtime has, so running containers are adopted rather than started again. */
async function recover(ctx: WorkerContext, podInformer: SharedInformer<Pod & KubeObject>, signal: AbortSignal, log: Logger): Promise<void> {
  void podInformer;
  void signal;
  const list = await ctx.runtime.list();
  const sandboxes = 'listSandboxes' in ctx.runtime ? await (ctx.runtime as ContainerRuntime & SandboxLister).listSandboxes() : [];
  const byPod = new Map<string, typeof list>();
  for (const c of list) byPod.set(c.podUid, [...(byPod.get(c.podUid) ?? []), c]);
  // Pods are keyed by namespace/name, which the runtime does not know: recovered slots wait under their uid
  // until the pod informer has synced (removeOrphans files them under their key).
  for (const sb of sandboxes) if (!byPod.has(sb.podUid)) byPod.set(sb.podUid, []);
  for (const [uid, cs] of byPod) {
    const slot: PodSlot = { uid, key: `uid:${uid}`, podDir: podDirOf(ctx.dataDir, uid), containers: new Map(), tokens: new Map() };
    slot.sandbox = sandboxes.find((s) => s.podUid === uid);
    for (const c of cs.sort((a, b) => a.attempt - b.attempt)) {
      const cslot = slot.containers.get(c.name) ?? newSlot(c.name, false);
      if (cslot.current) cslot.previous = cslot.current;
      cslot.current = c;
      cslot.restartCount = c.attempt;
      cslot.started = true;
      cslot.handledExit = c.status.state === 'exited' ? c.id : undefined;
      slot.containers.set(c.name, cslot);
    }
    ctx.slots.set(slot.key, slot);
  }
  if (byPod.size) log.info('recovered pods from the runtime', { pods: byPod.size, containers: list.length });
}

async function removeOrphans(ctx: WorkerContext, podInformer: SharedInformer<Pod & KubeObject>): Promise<void> {
  const live = new Map(podInformer.list().map((p) => [p.metadata?.uid ?? '', p]));
  for (const [k, slot] of [...ctx.slots]) {
    if (!k.startsWith('uid:')) continue;
    ctx.slots.delete(k);
    const pod = live.get(slot.uid);
    if (pod) {
      slot.key = keyOf(pod);
      const initNames = new Set((pod.spec?.initContainers ?? []).map((c) => c.name));
      for (const c of slot.containers.values()) c.init = initNames.has(c.name);
      ctx.slots.set(slot.key, slot);
    } else {
      ctx.log.info('stopping containers of a pod deleted while the agent was away', { uid: slot.uid });
      await terminatePod(ctx, slot, undefined, 0);
    }
  }
}
