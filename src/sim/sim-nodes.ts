// Simulated nodes (kwok-like): each registers a Node, renews its Lease in kube-node-lease, refreshes its status
// heartbeat, and moves the pods bound to it through the stages (stages.ts). One pod informer and one work queue
// serve every simulated node, so thousands of nodes cost one watch. stop(name) makes a node fall silent (no
// heartbeats, no pod progress), as a lost machine would; resume(name) brings it back.
//
// The same switch is data on the Node, for tests and demos outside the process: the annotation
// `sim.tugboat.dev/heartbeat: "stop"` stops that simulated node, and removing it (or any other value) resumes it:
//   kubectl annotate node sim-1 sim.tugboat.dev/heartbeat=stop      # the node goes silent
//   kubectl annotate node sim-1 sim.tugboat.dev/heartbeat-          # it comes back
import type { ApiError } from '../api/errors.js';
import { createWorkQueue, runWorkers } from '../client/workqueue.js';
import { keyOf, splitKey, type Client, type Informer, type InformerFactory, type ResourceRef, type WorkQueue } from '../client/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { IpPool } from './ip-pool.js';
import { buildLease, buildNode, nodeIP, nodeStatus, NODE_LEASE_NAMESPACE, type NodeShape } from './node-object.js';
import { renderStatus, stageDelayMs } from './render.js';
import { defaultStages, firstStage, type Stage } from './stages.js';
import { microTime, type Node, type Pod } from './types.js';

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const NODES: ResourceRef = { group: '', version: 'v1', resource: 'nodes', namespaced: false };
const LEASES: ResourceRef = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true };
export const NODE_NAME_INDEX = 'spec.nodeName';
/** Node annotation: "stop" makes the simulated node fall silent until the annotation goes. */
export const HEARTBEAT_ANNOTATION = 'sim.tugboat.dev/heartbeat';

export interface SimNodesOptions {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
  count: number;
  /** Node names are prefix + index: sim-0, sim-1, ... */
  namePrefix?: string;
  /** First index (so several groups of simulated nodes can share a cluster). */
  startIndex?: number;
  capacity?: Record<string, string>;
  labels?: Record<string, string>;
  taints?: NodeShape['taints'];
  stages?: readonly Stage[];
  /** Lease renewal period (default 10 s, as kubelet). */
  leaseIntervalMs?: number;
  leaseDurationSeconds?: number;
  /** Node status heartbeat period (default 60 s; the Lease is the frequent signal). */
  statusIntervalMs?: number;
  /** Pod workers (default 4). */
  workers?: number;
}

export const DEFAULT_CAPACITY = { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '100Gi' };

interface SimNode {
  shape: NodeShape;
  ips: IpPool;
  stopped: boolean;
  /** Who stopped it: the annotation only resumes what the annotation stopped. */
  stoppedBy?: 'call' | 'annotation';
  /** Ends this node's heartbeat loop (stop). */
  beat?: AbortController;
  uid?: string;
}

export class SimNodes {
  readonly queue: WorkQueue;
  readonly pods: Informer<Pod>;
  /** Node names whose heartbeat annotation may have changed. */
  readonly nodeQueue: WorkQueue;
  readonly nodeObjects: Informer<Node>;
  private readonly nodes = new Map<string, SimNode>();
  private readonly stages: readonly Stage[];
  private readonly log: Logger;
  /** When each pod was first seen in its current stage: `${uid}:${stage}` -> ms. */
  private readonly firstSeen = new Map<string, number>();
  /** The stage last applied per pod key, with the resourceVersion acted on, so a stale cache is not acted on twice. */
  private readonly applied = new Map<string, string>();
  private readonly beats: Promise<void>[] = [];

  constructor(private readonly o: SimNodesOptions) {
    this.log = o.logger.child('sim');
    this.stages = o.stages ?? defaultStages;
    this.queue = createWorkQueue({ clock: o.clock, name: 'sim-pods' });
    const first = o.startIndex ?? 0;
    for (let i = first; i < first + o.count; i++) {
      const name = `${o.namePrefix ?? 'sim-'}${i}`;
      this.nodes.set(name, {
        shape: { name, index: i, capacity: { ...DEFAULT_CAPACITY, ...o.capacity }, labels: o.labels, taints: o.taints },
        ips: new IpPool(i),
        stopped: false,
      });
    }
    this.pods = o.informers.informer<Pod>(PODS);
    this.pods.addIndex(NODE_NAME_INDEX, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
    this.pods.addHandlers({
      add: (p) => this.onPod(p),
      update: (_o, p) => this.onPod(p),
      delete: (p) => this.forget(p),
    });
    this.nodeQueue = createWorkQueue({ clock: o.clock, name: 'sim-nodes' });
    this.nodeObjects = o.informers.informer<Node>(NODES);
    const onNode = (n: Node) => {
      if (this.nodes.has(n.metadata?.name ?? '')) this.nodeQueue.add(n.metadata?.name ?? '');
    };
    this.nodeObjects.addHandlers({ add: onNode, update: (_o, n) => onNode(n) });
  }

  get names(): string[] {
    return [...this.nodes.keys()];
  }

  private onPod(p: Pod): void {
    const node = this.nodes.get(p.spec?.nodeName ?? '');
    if (!node) return;
    if (p.status?.podIP && !p.spec?.hostNetwork) node.ips.claim(keyOf(p), p.status.podIP);
    this.queue.add(keyOf(p));
  }

  private forget(p: Pod): void {
    const key = keyOf(p);
    this.nodes.get(p.spec?.nodeName ?? '')?.ips.release(key);
    this.applied.delete(key);
    for (const s of this.stages) this.firstSeen.delete(`${p.metadata?.uid ?? ''}:${s.name}`);
  }

  /** Moves one pod a stage forward when its time has come. */
  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(namespace, name);
    if (!pod) return;
    const node = this.nodes.get(pod.spec?.nodeName ?? '');
    if (!node || node.stopped) return;
    const stage = firstStage(this.stages, pod);
    if (!stage) return;
    const mark = `${stage.name}@${pod.metadata?.resourceVersion ?? ''}`;
    if (this.applied.get(key) === mark) return;
    const now = this.o.clock.now().getTime();
    const seenKey = `${pod.metadata?.uid ?? ''}:${stage.name}`;
    let since = this.firstSeen.get(seenKey);
    if (since === undefined) this.firstSeen.set(seenKey, (since = now));
    const due = since + stageDelayMs(stage, pod);
    if (due > now) {
      this.queue.addAfter(key, due - now);
      return;
    }
    if (stage.next.delete) {
      try {
        await this.o.client.delete(PODS, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
      } catch (e) {
        if ((e as ApiError).code !== 404) throw e;
      }
    } else {
      const podIP = stage.next.containers === 'running' && !pod.spec?.hostNetwork ? node.ips.allocate(key) : undefined;
      const status = renderStatus(pod, stage.next, { now: this.o.clock.now(), hostIP: nodeIP(node.shape.index), podIP });
      await this.o.client.patch(PODS, namespace, name, 'merge', { metadata: { uid: pod.metadata?.uid }, status }, { subresource: 'status' });
    }
    this.applied.set(key, mark);
    this.firstSeen.delete(seenKey);
    this.log.debug('stage', { pod: key, stage: stage.name });
  }

  /** Follows the Node's heartbeat annotation: "stop" silences the node, its absence resumes it. */
  async reconcileNode(name: string): Promise<void> {
    const n = this.nodes.get(name);
    const obj = this.nodeObjects.get(undefined, name);
    if (!n || !obj) return;
    const wantStopped = obj.metadata?.annotations?.[HEARTBEAT_ANNOTATION] === 'stop';
    if (wantStopped && !n.stopped) this.stop(name, 'annotation');
    else if (!wantStopped && n.stopped && n.stoppedBy === 'annotation') await this.resume(name);
  }

  /** Creates (or refreshes) the Node and its Lease. */
  async register(name: string): Promise<void> {
    const n = this.nodes.get(name)!;
    const now = this.o.clock.now();
    let node: Node;
    try {
      node = await this.o.client.create<Node>(NODES, undefined, buildNode(n.shape, now));
    } catch (e) {
      if ((e as ApiError).reason !== 'AlreadyExists') throw e;
      node = await this.o.client.get<Node>(NODES, undefined, name);
    }
    n.uid = node.metadata?.uid;
    // The API server may drop status on create (as Kubernetes' node strategy does); write it through status.
    await this.patchStatus(n, node);
    await this.renewLease(n, true);
  }

  private async patchStatus(n: SimNode, current?: Node): Promise<void> {
    const old = current ?? (await this.o.client.get<Node>(NODES, undefined, n.shape.name));
    const status = nodeStatus(n.shape, this.o.clock.now(), old.status);
    await this.o.client.patch(NODES, undefined, n.shape.name, 'merge', { status }, { subresource: 'status' });
  }

  private async renewLease(n: SimNode, create = false): Promise<void> {
    const now = this.o.clock.now();
    const duration = this.o.leaseDurationSeconds ?? 40;
    try {
      await this.o.client.patch(LEASES, NODE_LEASE_NAMESPACE, n.shape.name, 'merge', { spec: { holderIdentity: n.shape.name, leaseDurationSeconds: duration, renewTime: microTime(now) } });
    } catch (e) {
      if ((e as ApiError).code !== 404 || !create) throw e;
      const node: Node = { metadata: { name: n.shape.name, uid: n.uid } };
      await this.o.client.create(LEASES, NODE_LEASE_NAMESPACE, buildLease(node, duration, now));
    }
  }

  /** One node's heartbeats: the Lease every leaseIntervalMs, the status every statusIntervalMs. */
  private async heartbeat(n: SimNode, signal: AbortSignal): Promise<void> {
    const leaseEvery = this.o.leaseIntervalMs ?? 10_000;
    const statusEvery = this.o.statusIntervalMs ?? 60_000;
    let lastStatus = this.o.clock.now().getTime();
    while (!signal.aborted) {
      try {
        await this.o.clock.sleep(leaseEvery, signal);
      } catch {
        return;
      }
      try {
        await this.renewLease(n, true);
        if (this.o.clock.now().getTime() - lastStatus >= statusEvery) {
          await this.patchStatus(n);
          lastStatus = this.o.clock.now().getTime();
        }
      } catch (e) {
        if (!signal.aborted) this.log.warn('heartbeat failed', { node: n.shape.name, err: (e as Error).message });
      }
    }
  }

  private startBeat(n: SimNode): void {
    const ac = new AbortController();
    const onStop = () => ac.abort();
    this.o.signal.addEventListener('abort', onStop, { once: true });
    n.beat = ac;
    this.beats.push(this.heartbeat(n, ac.signal).finally(() => this.o.signal.removeEventListener('abort', onStop)));
  }

  /** The node falls silent: no Lease renewals, no status, its pods stay as they are. */
  stop(name: string, by: 'call' | 'annotation' = 'call'): void {
    const n = this.nodes.get(name);
    if (!n || n.stopped) return;
    n.stopped = true;
    n.stoppedBy = by;
    n.beat?.abort();
    this.log.info('node stopped', { node: name, by });
  }

  /** The node comes back: heartbeats at once, then its pods move on. */
  async resume(name: string): Promise<void> {
    const n = this.nodes.get(name);
    if (!n || !n.stopped) return;
    n.stopped = false;
    n.stoppedBy = undefined;
    this.log.info('node resumed', { node: name });
    await this.patchStatus(n);
    await this.renewLease(n, true);
    this.startBeat(n);
    for (const p of this.pods.byIndex(NODE_NAME_INDEX, name)) this.queue.add(keyOf(p));
  }

  isStopped(name: string): boolean {
    return this.nodes.get(name)?.stopped ?? false;
  }

  /** Registers every node (a few at a time), starts the heartbeats and the pod workers. */
  async start(): Promise<void> {
    const names = this.names;
    const batch = 16;
    for (let i = 0; i < names.length; i += batch) await Promise.all(names.slice(i, i + batch).map((n) => this.register(n)));
    for (const n of this.nodes.values()) this.startBeat(n);
    await this.o.informers.start(this.o.signal);
    const pods = runWorkers(this.queue, (k) => this.reconcile(k), { signal: this.o.signal, logger: this.log, workers: this.o.workers ?? 4 });
    const nodes = runWorkers(this.nodeQueue, (k) => this.reconcileNode(k), { signal: this.o.signal, logger: this.log, workers: 1 });
    this.done = Promise.all([pods, nodes]).then(async () => {
      await Promise.all(this.beats);
    });
  }

  /** Resolves once the signal aborted and every loop ended. */
  done: Promise<void> = Promise.resolve();
}

/** Registers count simulated nodes and runs them until opts.signal aborts. */
export async function startSimNodes(opts: SimNodesOptions): Promise<SimNodes> {
  const sim = new SimNodes(opts);
  await sim.start();
  return sim;
}

