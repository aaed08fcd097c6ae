// The node agent (our kubelet): registers the Node, renews its Lease, watches the pods bound to it and runs one
// level-triggered sync per pod (pod-worker.ts) through a work queue keyed by namespace/name. After a restart it
// adopts the containers the runtime still has and removes those of pods deleted meanwhile.
import type { ConfigMap, Node, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { cpus, totalmem } from 'node:os';
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
import { configmaps, leases, nodes, pods, secrets } from '../client/resources.js';
import { realClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { ContainerRuntime, SandboxLister } from '../runtime/types.js';
import { buildNode, machineIP, microTime, NODE_LEASE_NAMESPACE, nodeStatus, type NodeShape } from './node-object.js';
import { newSlot, type PodSlot } from './pod-state.js';
import { podDirOf, syncPod, terminatePod, type WorkerContext } from './pod-worker.js';

export interface NodeAgentOptions {
  client: Client;
  /** Shared informers for ConfigMaps and Secrets (the pod informer is the agent's own, filtered to this node). */
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
  /** URL of the API server, for pods' KUBERNETES_* settings (informational). */
  serverUrl?: string;
  /** Parallel pod syncs (default 16). */
  workers?: number;
  /** Lease renewal and node status interval (default 10 s). */
  heartbeatMs?: number;
  /** How often every pod is synced regardless of events (volumes refresh; default 10 s). */
  resyncMs?: number;
  recorder?: EventRecorder;
}

export interface NodeAgent {
  nodeName: string;
  hostIP: string;
  /** Resolves once the agent has stopped (signal aborted). */
  done: Promise<void>;
  /** The agent's view, for tests. */
  slots: Map<string, PodSlot>;
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
  await registerNode(o.client, shape, clock);
  await heartbeat(o.client, shape, clock, 40).catch((e: Error) => log.warn('lease renewal failed', { err: e }));

  const podInformer = new SharedInformer<Pod & KubeObject>({ client: o.client, resource: pods, fieldSelector: `spec.nodeName=${o.nodeName}`, logger: log });
  const own = !o.informers;
  const cmInformer = o.informers ? o.informers.informer<ConfigMap & KubeObject>(configmaps) : new SharedInformer<ConfigMap & KubeObject>({ client: o.client, resource: configmaps, logger: log });
  const secretInformer = o.informers ? o.informers.informer<Secret & KubeObject>(secrets) : new SharedInformer<Secret & KubeObject>({ client: o.client, resource: secrets, logger: log });
  const queue = createWorkQueue({ clock, name: 'pods', baseDelayMs: 200, maxDelayMs: 30_000 });
  const recorder = o.recorder ?? createEventRecorder({ client: o.client, component: 'kubelet', host: o.nodeName, clock, logger: log });
  const slots = new Map<string, PodSlot>();
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
    getPod: (key) => {
      const i = key.indexOf('/');
      return podInformer.get(key.slice(0, i), key.slice(i + 1));
    },
    requeue: (key, ms) => (ms ? queue.addAfter(key, ms) : queue.add(key)),
    slots,
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

  if (own) await Promise.all([cmInformer.start(o.signal), secretInformer.start(o.signal)]);
  else await o.informers!.start(o.signal);
  await recover(ctx, podInformer, o.signal, log);
  await podInformer.start(o.signal);
  // Pods deleted while the agent was away: their containers go now.
  await removeOrphans(ctx, podInformer);

  // Probers run on timers of their own: they end with the agent (containers live on, probed by the next agent).
  o.signal.addEventListener('abort', () => {
    for (const s of slots.values()) for (const c of s.containers.values()) for (const p of c.probers.splice(0)) p.stop();
  }, { once: true });
  const workers = runWorkers(queue, (key) => syncPod(ctx, key), { workers: o.workers ?? 16, signal: o.signal, logger: log });
  const heartbeatMs = o.heartbeatMs ?? 10_000;
  const resyncMs = o.resyncMs ?? 10_000;
  const loops = (async () => {
    let lastResync = 0;
    while (!o.signal.aborted) {
      await clock.sleep(Math.min(heartbeatMs, resyncMs), o.signal).catch(() => undefined);
      if (o.signal.aborted) break;
      await heartbeat(o.client, shape, clock, Math.ceil((heartbeatMs * 4) / 1000)).catch((e: Error) => log.warn('lease renewal failed', { err: e }));
      if (clock.now().getTime() - lastResync >= resyncMs) {
        lastResync = clock.now().getTime();
        for (const p of podInformer.list()) enqueue(p);
      }
    }
  })();
  log.info('node agent running', { node: o.nodeName, ip: hostIP, runtime: o.runtime.name });
  return { nodeName: o.nodeName, hostIP, slots, done: Promise.all([workers, loops]).then(() => undefined) };
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
