// The node lifecycle controller: watches nodes and their Leases, marks silent nodes Unknown, keeps the
// not-ready/unreachable taints in step with each node's Ready condition, marks the pods of a lost node not
// ready, and (the NoExecute taint manager) deletes pods from NoExecute-tainted nodes once their toleration runs
// out, so their owners recreate them elsewhere. One queue of node names; reconcile(name) does all of it for a node.
import type { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { createWorkQueue, runWorkers } from '../../client/workqueue.js';
import type { Informer, ResourceRef, WorkQueue } from '../../client/types.js';
import { discardEvents, type EventSink } from '../common/events.js';
import type { Pod } from '../common/types.js';
import type { ControllerEnv } from '../common/run.js';
import { evictionAt } from './eviction-time.js';
import { markUnknown, readyStatus, reconcileTaints, wantedTaints } from './health.js';
import { rfc3339, type Node } from './types.js';

const NODES: ResourceRef = { group: '', version: 'v1', resource: 'nodes', namespaced: false };
const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const LEASES: ResourceRef = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true };
const LEASE_NS = 'kube-node-lease';
export const POD_NODE_INDEX = 'spec.nodeName';

export interface NodeLifecycleDeps extends ControllerEnv {
  events?: EventSink;
  /** How long a node may stay silent before it is Unknown (default 40 s, node-monitor-grace-period). */
  gracePeriodMs?: number;
  /** How often every node is checked (default 5 s, node-monitor-period). */
  monitorPeriodMs?: number;
  /** Toleration time for not-ready/unreachable when a pod has none of its own (default 300 s). */
  evictionTimeoutMs?: number;
  workers?: number;
}

interface Health {
  /** When this controller last heard from the node (its clock). */
  probeMs: number;
  renewTime?: string;
  heartbeat?: string;
}

interface Lease extends KubeObject {
  spec?: { renewTime?: string };
}

export class NodeLifecycleController {
  readonly queue: WorkQueue;
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer<Pod>;
  private readonly leases: Informer<Lease>;
  private readonly health = new Map<string, Health>();
  private readonly gracePeriodMs: number;
  private readonly evictionTimeoutMs: number;
  private readonly events: EventSink;
  /** Stands in for a NoExecute taint's missing timeAdded: when this controller first saw it. */
  private readonly taintSeen = new Map<string, number>();

  constructor(private readonly d: NodeLifecycleDeps) {
    this.gracePeriodMs = d.gracePeriodMs ?? 40_000;
    this.evictionTimeoutMs = d.evictionTimeoutMs ?? 300_000;
    this.events = d.events ?? discardEvents;
    this.queue = createWorkQueue({ clock: d.clock, name: 'nodelifecycle' });
    this.nodes = d.informers.informer<Node>(NODES);
    this.pods = d.informers.informer<Pod>(PODS);
    this.leases = d.informers.informer<Lease>(LEASES);
    this.pods.addIndex(POD_NODE_INDEX, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
    const byName = (n: Node) => this.queue.add(n.metadata?.name ?? '');
    this.nodes.addHandlers({ add: byName, update: (_o, n) => byName(n), delete: (n) => this.health.delete(n.metadata?.name ?? '') });
    const lease = (l: Lease) => {
      if (l.metadata?.namespace === LEASE_NS) this.queue.add(l.metadata.name ?? '');
    };
    this.leases.addHandlers({ add: lease, update: (_o, l) => lease(l) });
    const pod = (p: Pod) => {
      if (p.spec?.nodeName) this.queue.add(p.spec.nodeName);
    };
    this.pods.addHandlers({ add: pod, update: (_o, p) => pod(p) });
  }

  async reconcile(name: string): Promise<void> {
    const cached = this.nodes.get(undefined, name);
    if (!cached) {
      this.health.delete(name);
      return;
    }
    const now = this.d.clock.now();
    let node = cached;
    // 1. Heard from it lately?
    const renewTime = this.leases.get(LEASE_NS, name)?.spec?.renewTime;
    const heartbeat = node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime;
    let h = this.health.get(name);
    if (!h) this.health.set(name, (h = { probeMs: now.getTime(), renewTime, heartbeat }));
    if (h.renewTime !== renewTime || h.heartbeat !== heartbeat) Object.assign(h, { probeMs: now.getTime(), renewTime, heartbeat });
    const silentFor = now.getTime() - h.probeMs;
    if (silentFor > this.gracePeriodMs && readyStatus(node) !== 'Unknown') {
      const next = structuredClone(node);
      next.status = { ...next.status, conditions: markUnknown(node.status?.conditions, node, now) };
      node = await this.d.client.update<Node>(NODES, undefined, { ...next, apiVersion: 'v1', kind: 'Node' }, { subresource: 'status' });
      h.heartbeat = node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime;
      this.events.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      this.d.logger.info('node silent, marked Unknown', { node: name, silentMs: silentFor });
      await this.markPodsNotReady(name);
    } else if (silentFor <= this.gracePeriodMs) {
      this.queue.addAfter(name, this.gracePeriodMs - silentFor + 1);
    }
    // 2. Taints follow the Ready condition.
    const taints = reconcileTaints(node.spec?.taints, wantedTaints(readyStatus(node)), now);
    if (taints) {
      const next = structuredClone(node);
      next.spec = { ...next.spec, taints };
      if (taints.length === 0) delete next.spec.taints;
      node = await this.d.client.update<Node>(NODES, undefined, { ...next, apiVersion: 'v1', kind: 'Node' });
    }
    // 3. NoExecute: evict what no longer tolerates the node.
    await this.evict(node, now);
  }

  private async markPodsNotReady(nodeName: string): Promise<void> {
    for (const p of this.pods.byIndex(POD_NODE_INDEX, nodeName)) {
      const conds = p.status?.conditions ?? [];
      const ready = conds.find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'False') continue;
      const next = conds.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: rfc3339(this.d.clock.now()) } : c));
      try {
        await this.d.client.patch(PODS, p.metadata?.namespace, p.metadata?.name ?? '', 'strategic', { metadata: { uid: p.metadata?.uid }, status: { conditions: next } }, { subresource: 'status' });
        this.events.event(p, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (e) {
        if ((e as ApiError).code !== 404) throw e;
      }
    }
  }

  private async evict(node: Node, now: Date): Promise<void> {
    const name = node.metadata?.name ?? '';
    const noExecute = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    for (const k of [...this.taintSeen.keys()]) if (k.startsWith(`${name}|`) && !noExecute.some((t) => k === `${name}|${t.key}`)) this.taintSeen.delete(k);
    if (noExecute.length === 0) return;
    for (const t of noExecute) if (!t.timeAdded && !this.taintSeen.has(`${name}|${t.key}`)) this.taintSeen.set(`${name}|${t.key}`, now.getTime());
    let soonest: number | undefined;
    for (const p of this.pods.byIndex(POD_NODE_INDEX, name)) {
      if (p.metadata?.deletionTimestamp) continue;
      const phase = p.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      const taints = noExecute.map((t) => (t.timeAdded ? t : { ...t, timeAdded: rfc3339(new Date(this.taintSeen.get(`${name}|${t.key}`) ?? now.getTime())) }));
      const at = evictionAt(p.spec?.tolerations, taints, this.evictionTimeoutMs, now.getTime());
      if (at === undefined) continue;
      if (at > now.getTime()) {
        soonest = soonest === undefined ? at : Math.min(soonest, at);
        continue;
      }
      await this.deletePod(p, name);
    }
    if (soonest !== undefined) this.queue.addAfter(name, soonest - now.getTime());
  }

  private async deletePod(p: Pod, nodeName: string): Promise<void> {
    const ns = p.metadata?.namespace;
    const podName = p.metadata?.name ?? '';
    try {
      // Say why first (the DisruptionTarget condition), as Kubernetes' taint manager does.
      const conds = (p.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
      conds.push({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: rfc3339(this.d.clock.now()) });
      await this.d.client.patch(PODS, ns, podName, 'strategic', { metadata: { uid: p.metadata?.uid }, status: { conditions: conds } }, { subresource: 'status' });
      await this.d.client.delete(PODS, ns, podName, { preconditions: { uid: p.metadata?.uid } });
      this.events.event(p, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ns ?? ''}/${podName}`);
      this.d.logger.info('evicted pod from tainted node', { pod: `${ns ?? ''}/${podName}`, node: nodeName });
    } catch (e) {
      if ((e as ApiError).code !== 404) throw e;
    }
  }

  /** Checks every node each monitor period (a silent node sends no event to wake us). */
  private async monitor(signal: AbortSignal): Promise<void> {
    const every = this.d.monitorPeriodMs ?? 5_000;
    while (!signal.aborted) {
      for (const n of this.nodes.list()) this.queue.add(n.metadata?.name ?? '');
      try {
        await this.d.clock.sleep(every, signal);
      } catch {
        return;
      }
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.d.informers.start(signal);
    await Promise.all([this.monitor(signal), runWorkers(this.queue, (k) => this.reconcile(k), { signal, logger: this.d.logger, workers: this.d.workers ?? 2 })]);
  }
}

/** Runs the node lifecycle controller until deps.signal aborts. */
export function startNodeLifecycleController(deps: NodeLifecycleDeps): Promise<void> {
  return new NodeLifecycleController({ ...deps, logger: deps.logger.child('nodelifecycle') }).run(deps.signal);
}
