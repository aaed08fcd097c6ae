// The scheduler: informers feed the cache (bound pods, nodes) and the queue (pending pods); one loop pops a pod,
// runs the framework synchronously over the cache, assumes the result and binds asynchronously. A pod that fits
// nowhere gets preemption, the PodScheduled=False condition and a FailedScheduling event, and waits in the queue
// for an event that may help.
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/errors.js';
import type { EventRecorder } from '../client/events.js';
import { namespaces, nodes, persistentvolumeclaims, persistentvolumes, poddisruptionbudgets, pods, priorityclasses } from '../client/resources.js';
import type { Client, Informer, InformerFactory } from '../client/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { SchedulerCache } from './cache.js';
import {
  assignedPodUpdateAction,
  clusterEvent,
  isTerminal,
  nodeUpdateAction,
  pendingPodChanged,
  podNodeName,
} from './events.js';
import { fitErrorMessage, NO_NODES_AVAILABLE } from './fit-error.js';
import type { Framework } from './framework.js';
import { newPodInfo, type LabelSelector, type PodInfo } from './pod-info.js';
import type { PdbInfo } from './plugins/default-preemption.js';
import { resolvePriority } from './priority.js';
import { SchedulingQueue, type QueuedPod } from './queue.js';
import { newFramework, type ProfilePlugin } from './registry.js';
import { Action, CycleState } from './types.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
const NONE: readonly PodInfo[] = [];

export interface SchedulerDeps {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
  recorder?: EventRecorder;
  /** 0 = adaptive (kube-scheduler's default). */
  percentageOfNodesToScore?: number;
  profile?: readonly ProfilePlugin[];
  random?: () => number;
  /** Backoff bounds, for tests. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface SchedulerStats {
  scheduled: number;
  failed: number;
  bindErrors: number;
  preemptions: number;
}

export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly framework: Framework;
  readonly stats: SchedulerStats = { scheduled: 0, failed: 0, bindErrors: 0, preemptions: 0 };
  private readonly podInf: Informer;
  private readonly nodeInf: Informer;
  private readonly nsInf: Informer;
  private readonly pcInf: Informer;
  private readonly pdbInf: Informer;
  private readonly pvcInf: Informer;
  private readonly pvInf: Informer;
  /** Pods nominated to a node by preemption, by node name. */
  private readonly nominated = new Map<string, Map<string, PodInfo>>();
  private readonly nominatedNodeOf = new Map<string, string>();
  private readonly pendingWrites = new Set<Promise<unknown>>();
  private readonly log: Logger;

  constructor(private readonly d: SchedulerDeps) {
    this.log = d.logger;
    this.podInf = d.informers.informer(pods);
    this.nodeInf = d.informers.informer(nodes);
    this.nsInf = d.informers.informer(namespaces);
    this.pcInf = d.informers.informer(priorityclasses);
    this.pdbInf = d.informers.informer(poddisruptionbudgets);
    this.pvcInf = d.informers.informer(persistentvolumeclaims);
    this.pvInf = d.informers.informer(persistentvolumes);
    this.framework = newFramework({
      schedulerName: DEFAULT_SCHEDULER_NAME,
      percentageOfNodesToScore: d.percentageOfNodesToScore,
      random: d.random,
      profile: d.profile,
      nominatedPods: (node) => {
        const m = this.nominated.get(node);
        return m ? [...m.values()] : NONE;
      },
      args: {
        preemption: { pdbs: () => this.pdbs(), random: d.random },
        volumes: { claim: (ns, name) => this.pvcInf.get(ns, name), volume: (name) => this.pvInf.get(undefined, name) },
      },
    });
    this.queue = new SchedulingQueue({
      clock: d.clock,
      plugins: this.framework.plugins,
      initialBackoffMs: d.initialBackoffMs,
      maxBackoffMs: d.maxBackoffMs,
    });
    this.wire();
  }

  /** Ours to schedule: our scheduler name (or none), not finished, and no scheduling gates left. */
  private responsible(p: KubeObject): boolean {
    const spec = (p.spec ?? {}) as { schedulerName?: string; schedulingGates?: unknown[] };
    const name = spec.schedulerName;
    return (!name || name === DEFAULT_SCHEDULER_NAME) && !isTerminal(p) && !(spec.schedulingGates?.length);
  }

  private info(p: KubeObject): PodInfo {
    return newPodInfo(p, resolvePriority(p, this.pcInf.list(), (n) => this.pcInf.get(undefined, n)));
  }

  private pdbs(): PdbInfo[] {
    return this.pdbInf.list().map((b) => ({
      namespace: b.metadata?.namespace ?? '',
      selector: (b.spec as { selector?: LabelSelector } | undefined)?.selector,
      disruptionsAllowed: Number((b.status as { disruptionsAllowed?: number } | undefined)?.disruptionsAllowed ?? 0),
    }));
  }

  // ---- informer handlers: they update the scheduler's own cache and queue, nothing else ----

  private wire(): void {
    const q = this.queue;
    this.podInf.addHandlers({
      add: (p) => this.onPod(undefined, p),
      update: (o, p) => this.onPod(o, p),
      delete: (p) => {
        const key = `${p.metadata?.namespace}/${p.metadata?.name}`;
        this.setNominated(key, '');
        if (podNodeName(p) || this.cache.podInfo(key)) {
          this.cache.removePod(key);
          q.onEvent(clusterEvent('AssignedPod', Action.Delete, 'Delete'), p, undefined);
        }
        q.delete(key);
      },
    });
    this.nodeInf.addHandlers({
      add: (n) => {
        this.cache.addOrUpdateNode(n);
        q.onEvent(clusterEvent('Node', Action.Add, 'Add'), undefined, n);
      },
      update: (o, n) => {
        this.cache.addOrUpdateNode(n);
        const a = nodeUpdateAction(o, n);
        if (a) q.onEvent(clusterEvent('Node', a, 'Update'), o, n);
      },
      delete: (n) => {
        this.cache.removeNode(n.metadata?.name ?? '');
        q.onEvent(clusterEvent('Node', Action.Delete, 'Delete'), n, undefined);
      },
    });
    // A claim that appears or binds may let a pod waiting on it schedule.
    this.pvcInf.addHandlers({
      add: (c) => q.onEvent(clusterEvent('PersistentVolumeClaim', Action.Add, 'Add'), undefined, c),
      update: (o, c) => q.onEvent(clusterEvent('PersistentVolumeClaim', Action.Update, 'Update'), o, c),
    });
    this.nsInf.addHandlers({
      add: (n) => this.cache.setNamespace(n.metadata?.name ?? '', n.metadata?.labels ?? {}),
      update: (_o, n) => this.cache.setNamespace(n.metadata?.name ?? '', n.metadata?.labels ?? {}),
      delete: (n) => this.cache.setNamespace(n.metadata?.name ?? '', undefined),
    });
  }

  private onPod(old: KubeObject | undefined, p: KubeObject): void {
    const q = this.queue;
    const key = `${p.metadata?.namespace}/${p.metadata?.name}`;
    const node = podNodeName(p);
    if (node) {
      q.delete(key);
      this.setNominated(key, '');
      if (isTerminal(p)) {
        // A finished pod no longer holds resources.
        if (this.cache.podInfo(key)) {
          this.cache.removePod(key);
          q.onEvent(clusterEvent('AssignedPod', Action.Delete, 'Delete'), p, undefined);
        }
        return;
      }
      const wasBound = !!old && !!podNodeName(old) && !!this.cache.podInfo(key) && !this.cache.isAssumed(key);
      this.cache.addOrUpdatePod(this.info(p));
      if (!wasBound) q.onEvent(clusterEvent('AssignedPod', Action.Add, 'Add'), undefined, p);
      else {
        const a = assignedPodUpdateAction(old!, p);
        if (a) q.onEvent(clusterEvent('AssignedPod', a, 'Update'), old, p);
      }
      return;
    }
    if (!this.responsible(p) || p.metadata?.deletionTimestamp) {
      q.delete(key);
      return;
    }
    if (this.cache.isAssumed(key)) return; // binding in flight; the bound update will follow
    const info = this.info(p);
    const nominatedNode = String((p.status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName ?? '');
    this.setNominated(key, nominatedNode, info);
    if (old && pendingPodChanged(old, p)) q.update(info);
    else q.add(info);
  }

  private setNominated(key: string, node: string, info?: PodInfo): void {
    const prev = this.nominatedNodeOf.get(key);
    if (prev && prev !== node) {
      const m = this.nominated.get(prev);
      m?.delete(key);
      if (m && m.size === 0) this.nominated.delete(prev);
      this.nominatedNodeOf.delete(key);
    }
    if (node && info) {
      let m = this.nominated.get(node);
      if (!m) this.nominated.set(node, (m = new Map()));
      m.set(key, info);
      this.nominatedNodeOf.set(key, node);
    }
  }

  // ---- the scheduling loop ----

  async run(signal: AbortSignal): Promise<void> {
    const flushes = this.queue.run(signal);
    let lastYield = Date.now();
    for (;;) {
      const q = await this.queue.pop(signal);
      if (!q) break;
      try {
        this.scheduleOne(q);
      } catch (e) {
        this.log.error('scheduling cycle failed', { pod: q.info.key, err: e });
        this.queue.addBackoff(q);
      }
      // Let informer events and bind responses in between cycles (a cycle never awaits).
      if (Date.now() - lastYield > 5) {
        await new Promise<void>((r) => setImmediate(r));
        lastYield = Date.now();
      }
    }
    await flushes;
    await Promise.allSettled([...this.pendingWrites]);
  }

  private track(p: Promise<unknown>): void {
    this.pendingWrites.add(p);
    void p.finally(() => this.pendingWrites.delete(p));
  }

  /** Resolves when every bind and status write started so far has finished. */
  async settled(): Promise<void> {
    while (this.pendingWrites.size) await Promise.allSettled([...this.pendingWrites]);
  }

  scheduleOne(q: QueuedPod): void {
    const info = q.info;
    const key = info.key;
    const current = this.podInf.get(info.namespace, info.name);
    if (!current || current.metadata?.uid !== info.uid || podNodeName(current) || current.metadata?.deletionTimestamp || this.cache.isAssumed(key)) {
      this.queue.done(key);
      return;
    }
    const state = new CycleState();
    const r = this.cache.nodes.length === 0 ? undefined : this.framework.schedule(state, info, this.cache);
    if (!r || !r.ok) {
      let message = NO_NODES_AVAILABLE;
      let plugins = new Set<string>();
      if (r) {
        const post = this.framework.postFilter(state, info, r.fit, this.cache);
        if (post?.nominatedNode !== undefined) this.preempt(info, post.nominatedNode, post.victims);
        else if (post?.message) r.fit.postFilterMsg = post.message;
        message = fitErrorMessage(r.fit);
        plugins = r.fit.unschedulablePlugins;
      }
      this.stats.failed++;
      this.queue.addUnschedulable(q, plugins);
      this.log.info('unschedulable', { pod: key, message });
      this.track(this.recordFailure(current, message));
      return;
    }
    const assumed: PodInfo = { ...info, nodeName: r.node };
    this.cache.assume(assumed, r.node);
    const reserved = this.framework.reserve(state, assumed, r.node);
    if (reserved) {
      this.cache.forget(key);
      this.queue.addBackoff(q);
      return;
    }
    this.queue.done(key);
    this.track(this.bind(q, assumed, r.node, state));
  }

  private async bind(q: QueuedPod, info: PodInfo, node: string, state: CycleState): Promise<void> {
    try {
      await this.d.client.createSubresource(pods, info.namespace, info.name, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: info.name, namespace: info.namespace, uid: info.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      } as KubeObject);
      this.stats.scheduled++;
      this.d.recorder?.event(info.pod, 'Normal', 'Scheduled', `Successfully assigned ${info.namespace}/${info.name} to ${node}`);
    } catch (e) {
      this.cache.forget(info.key);
      this.framework.unreserve(state, info, node);
      const reason = e instanceof ApiError ? e.reason : '';
      if (reason === 'NotFound') return;
      const current = this.podInf.get(info.namespace, info.name);
      if (reason === 'Conflict' && current && podNodeName(current)) return; // someone bound it already
      this.stats.bindErrors++;
      this.log.warn('binding failed', { pod: info.key, node, err: e });
      this.d.recorder?.event(info.pod, 'Warning', 'FailedScheduling', `Binding rejected: ${e instanceof Error ? e.message : String(e)}`);
      if (current && !podNodeName(current)) this.queue.addBackoff(q);
    }
  }

  /** PodScheduled=False with the reason, when it changed, and a FailedScheduling event every time. */
  private async recordFailure(pod: KubeObject, message: string): Promise<void> {
    this.d.recorder?.event(pod, 'Warning', 'FailedScheduling', message);
    const conds = ((pod.status as { conditions?: { type?: string; status?: string; reason?: string; message?: string; lastTransitionTime?: string }[] })?.conditions ?? []);
    const prev = conds.find((c) => c.type === 'PodScheduled');
    if (prev && prev.status === 'False' && prev.reason === 'Unschedulable' && prev.message === message) return;
    const now = this.d.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const cond = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastProbeTime: null,
      lastTransitionTime: prev?.status === 'False' && prev.lastTransitionTime ? prev.lastTransitionTime : now,
    };
    await this.patchStatus(pod, { conditions: [cond] });
  }

  private async patchStatus(pod: KubeObject, status: Record<string, unknown>): Promise<void> {
    try {
      await this.d.client.patch(pods, pod.metadata?.namespace, pod.metadata?.name ?? '', 'strategic', { status }, { subresource: 'status' });
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === 'NotFound')) this.log.warn('pod status update failed', { pod: pod.metadata?.name, err: e });
    }
  }

  /** Acts on preemption's decision: nominate the node, delete the victims gracefully. */
  private preempt(pod: PodInfo, node: string, victims: PodInfo[]): void {
    this.stats.preemptions++;
    this.setNominated(pod.key, node, pod);
    this.log.info('preempting', { pod: pod.key, node, victims: victims.map((v) => v.key).join(',') });
    // Lower-priority pods nominated to the same node lose their nomination (the room is for this pod now).
    for (const other of [...(this.nominated.get(node)?.values() ?? [])]) {
      if (other.key !== pod.key && other.priority < pod.priority) {
        this.setNominated(other.key, '');
        this.track(this.patchStatus(other.pod, { nominatedNodeName: null }));
      }
    }
    this.track(this.patchStatus(pod.pod, { nominatedNodeName: node }));
    for (const v of victims) {
      this.d.recorder?.event(v.pod, 'Normal', 'Preempted', `Preempted by pod ${pod.uid} on node ${node}`);
      this.track(
        this.d.client.delete(pods, v.namespace, v.name, { preconditions: { uid: v.uid } }).catch((e: unknown) => {
          if (!(e instanceof ApiError && (e.reason === 'NotFound' || e.reason === 'Conflict'))) this.log.warn('preemption delete failed', { pod: v.key, err: e });
        }),
      );
    }
  }
}
