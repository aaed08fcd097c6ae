// The DaemonSet controller: one pod per eligible node.
//   handlers: DaemonSet events enqueue it; pod events enqueue the pod's DaemonSet (orphans: every DaemonSet that
//             selects them) and settle expectations; node changes that could change eligibility enqueue all.
//   reconcile(key): claim pods, make sure the template has a ControllerRevision, then (expectations met) create
//             and delete per node, roll out the template (RollingUpdate), write status and prune history.
import { isApiError } from '../../api/errors.js';
import { labelSelectorMatches } from '../../api/selectors.js';
import { controllerrevisions, daemonsets, nodes as nodesRef, pods as podsRef } from '../../client/resources.js';
import type { Informer } from '../../client/types.js';
import { keyOf, splitKey } from '../../client/types.js';
import { applyClaims } from '../common/adopt.js';
import { planClaims } from '../common/claim.js';
import { controllerRefOf, newControllerRef } from '../common/controller-ref.js';
import { discardEvents, type EventSink } from '../common/events.js';
import { Expectations } from '../common/expectations.js';
import { jsonEqual, withKind } from '../common/objects.js';
import { enqueueSelecting, ownKeyHandlers, requeueWhenAvailable, resolveControllerRef } from '../common/owners.js';
import { msUntilAvailable } from '../common/pod-util.js';
import { slowStartBatch } from '../common/slow-start.js';
import type { ReconcilerDeps } from '../common/run.js';
import type { Pod } from '../common/types.js';
import { syncRevisions } from '../history/sync.js';
import { ownedRevisions, REVISION_HASH_LABEL, revisionsToPrune, type ControllerRevision } from '../history/revision.js';
import { daemonTolerations, pinToNode, targetNodeName } from './eligibility.js';
import { managePlan, rollingPlan, type DaemonPlan } from './plan.js';
import { daemonStatusCounts } from './status.js';
import { DS_API_VERSION, DS_KIND, type DaemonSet, type Node } from './types.js';

export type DaemonSetControllerDeps = ReconcilerDeps;

const BURST = 250;

export class DaemonSetController {
  readonly daemonSets: Informer<DaemonSet>;
  readonly pods: Informer<Pod>;
  readonly nodes: Informer<Node>;
  readonly revisions: Informer<ControllerRevision>;
  readonly expectations: Expectations;
  private readonly recorder: EventSink;

  constructor(private readonly d: DaemonSetControllerDeps) {
    this.daemonSets = d.informers.informer<DaemonSet>(daemonsets);
    this.pods = d.informers.informer<Pod>(podsRef);
    this.nodes = d.informers.informer<Node>(nodesRef);
    this.revisions = d.informers.informer<ControllerRevision>(controllerrevisions);
    this.expectations = new Expectations(d.clock);
    this.recorder = d.recorder ?? discardEvents;
    this.daemonSets.addHandlers(ownKeyHandlers(d.queue, (o) => this.expectations.forget(keyOf(o))));
    this.pods.addHandlers({
      add: (p) => this.onPod(p, 'add'),
      update: (old, p) => {
        const oldRef = controllerRefOf(old);
        if (oldRef && oldRef.uid !== controllerRefOf(p)?.uid) this.onPod(old, 'update');
        this.onPod(p, p.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp ? 'delete' : 'update');
        requeueWhenAvailable(d.queue, this.ownerOf(p), old, p);
      },
      delete: (p) => this.onPod(p, 'delete'),
    });
    const all = () => {
      for (const ds of this.daemonSets.list()) d.queue.add(keyOf(ds));
    };
    this.nodes.addHandlers({ add: all, update: (old, n) => nodeChanged(old, n) && all(), delete: all });
  }

  private ownerOf(p: Pod): DaemonSet | undefined {
    return resolveControllerRef(this.daemonSets, p, DS_KIND);
  }

  private onPod(p: Pod, what: 'add' | 'update' | 'delete'): void {
    if (!controllerRefOf(p)) {
      if (what === 'delete') return;
      return enqueueSelecting(this.d.queue, this.daemonSets, p, (ds) => labelSelectorMatches(ds.spec?.selector, p.metadata?.labels));
    }
    const o = this.ownerOf(p);
    if (!o) return;
    const key = keyOf(o);
    if (what === 'add' && !p.metadata?.deletionTimestamp) this.expectations.creationObserved(key);
    if (what === 'delete' || (what === 'add' && p.metadata?.deletionTimestamp)) this.expectations.deletionObserved(key, keyOf(p));
    this.d.queue.add(key);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.daemonSets.get(namespace, name);
    if (!cached) {
      this.expectations.forget(key);
      return;
    }
    const ds = withKind(cached, DS_API_VERSION, DS_KIND);
    if (ds.metadata?.deletionTimestamp) return; // the garbage collector takes its pods
    const nodes = this.nodes.list();
    const pods = await this.claimPods(ds);
    const ownerRef = newControllerRef(ds, DS_API_VERSION, DS_KIND);
    const sync = await syncRevisions({
      client: this.d.client,
      owner: ds,
      ownerRef,
      revisions: ownedRevisions(ds, this.revisions.list(namespace)),
      template: ds.spec?.template,
      collisionCount: ds.status?.collisionCount ?? 0,
    });
    const hash = sync.update.metadata?.labels?.[REVISION_HASH_LABEL] ?? '';
    const byNode = groupByNode(pods);
    const now = this.d.clock.now();

    let thrown: unknown;
    if (this.expectations.satisfied(key)) {
      try {
        let plan = managePlan({ ds, nodes, byNode, hash, now });
        if (plan.create.length === 0 && plan.delete.length === 0 && ds.spec?.updateStrategy?.type !== 'OnDelete') plan = rollingPlan({ ds, nodes, byNode, hash, now });
        await this.execute(key, ds, plan, hash);
      } catch (e) {
        thrown = e;
      }
    }
    await this.writeStatus(ds, nodes, byNode, hash, sync.collisionCount);
    await this.pruneHistory(ds, sync.revisions, pods, sync.update);
    if (thrown) throw thrown;

    const minReady = ds.spec?.minReadySeconds ?? 0;
    const waits = pods.map((p) => msUntilAvailable(p, minReady, now)).filter((w): w is number => w !== undefined);
    if (waits.length > 0) this.d.queue.addAfter(key, Math.min(...waits) + 1);
  }

  /** Claims live pods and our terminating ones (a node with a terminating daemon waits for it to go). */
  private async claimPods(ds: DaemonSet): Promise<Pod[]> {
    const candidates = this.pods.list(ds.metadata?.namespace).filter((p) => p.status?.phase !== 'Succeeded');
    const plan = planClaims(ds, candidates, (p) => labelSelectorMatches(ds.spec?.selector, p.metadata?.labels));
    const adopted = await applyClaims(plan, { client: this.d.client, resource: podsRef, owner: ds, ref: newControllerRef(ds, DS_API_VERSION, DS_KIND) });
    return [...plan.own, ...adopted];
  }

  private async execute(key: string, ds: DaemonSet, plan: DaemonPlan, hash: string): Promise<void> {
    const creates = plan.create.slice(0, BURST);
    const deletes = plan.delete.slice(0, BURST);
    if (creates.length === 0 && deletes.length === 0) return;
    const ns = ds.metadata?.namespace;
    // Expect everything first: watch events may arrive before the calls return.
    this.expectations.expect(key, creates.length, deletes.map(keyOf));
    const errors: unknown[] = [];
    const del = Promise.allSettled(
      deletes.map(async (p) => {
        try {
          await this.d.client.delete(podsRef, ns, p.metadata?.name ?? '', { preconditions: { uid: p.metadata?.uid } });
          this.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name ?? ''}`);
        } catch (e) {
          this.expectations.deletionObserved(key, keyOf(p));
          if (isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict')) return;
          this.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${e instanceof Error ? e.message : String(e)}`);
          errors.push(e);
        }
      }),
    );
    const r = await slowStartBatch(creates.length, 1, async (i) => {
      const created = await this.d.client.create<Pod>(podsRef, ns, this.newPod(ds, creates[i]!, hash));
      this.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
    });
    await del;
    if (r.errors.length + r.skipped > 0) {
      this.expectations.lowerAdds(key, r.errors.length + r.skipped);
      const e = r.errors[0];
      this.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${e instanceof Error ? e.message : String(e)}`);
      errors.push(e);
    }
    if (errors.length > 0) throw errors[0];
  }

  /** The template with the revision hash label, the daemon tolerations and node affinity pinning it to its node. */
  newPod(ds: DaemonSet, node: string, hash: string): Pod {
    const t = ds.spec?.template;
    const spec = structuredClone(t?.spec ?? { containers: [] });
    spec.tolerations = daemonTolerations(spec);
    spec.affinity = pinToNode(spec.affinity, node);
    const meta: NonNullable<Pod['metadata']> = {
      generateName: `${ds.metadata?.name ?? ''}-`,
      namespace: ds.metadata?.namespace,
      labels: { ...t?.metadata?.labels, [REVISION_HASH_LABEL]: hash },
      ownerReferences: [newControllerRef(ds, DS_API_VERSION, DS_KIND)],
    };
    if (t?.metadata?.annotations) meta.annotations = { ...t.metadata.annotations };
    if (t?.metadata?.finalizers) meta.finalizers = [...t.metadata.finalizers];
    return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
  }

  private async writeStatus(ds: DaemonSet, nodes: readonly Node[], byNode: Map<string, Pod[]>, hash: string, collisionCount: number): Promise<void> {
    const counts = daemonStatusCounts(ds, nodes, byNode, hash, this.d.clock.now());
    const status: Record<string, unknown> = { ...counts, observedGeneration: ds.metadata?.generation };
    if (collisionCount > 0) status.collisionCount = collisionCount;
    if (ds.status?.conditions?.length) status.conditions = ds.status.conditions;
    // Kubernetes stores zero counts except the four always-present ones; compare with zeros filled in.
    const old = { numberAvailable: 0, numberUnavailable: 0, updatedNumberScheduled: 0, ...(ds.status ?? {}) };
    if (jsonEqual(old, status)) return;
    const stored = Object.fromEntries(Object.entries(status).filter(([k, v]) => v !== 0 || ['desiredNumberScheduled', 'currentNumberScheduled', 'numberMisscheduled', 'numberReady'].includes(k)));
    try {
      await this.d.client.update(daemonsets, ds.metadata?.namespace, { ...ds, status: stored }, { subresource: 'status' });
    } catch (e) {
      if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
    }
  }

  private async pruneHistory(ds: DaemonSet, revs: readonly ControllerRevision[], pods: readonly Pod[], update: ControllerRevision): Promise<void> {
    const hashes = new Set(pods.map((p) => p.metadata?.labels?.[REVISION_HASH_LABEL]));
    const inUse = new Set([update.metadata?.name ?? '']);
    for (const r of revs) if (hashes.has(r.metadata?.labels?.[REVISION_HASH_LABEL])) inUse.add(r.metadata?.name ?? '');
    for (const r of revisionsToPrune(revs, inUse, ds.spec?.revisionHistoryLimit ?? 10)) {
      try {
        await this.d.client.delete(controllerrevisions, ds.metadata?.namespace, r.metadata?.name ?? '');
      } catch (e) {
        if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
      }
    }
  }
}

export function groupByNode(pods: readonly Pod[]): Map<string, Pod[]> {
  const m = new Map<string, Pod[]>();
  for (const p of pods) {
    const n = targetNodeName(p);
    if (n === undefined) continue;
    const list = m.get(n);
    if (list) list.push(p);
    else m.set(n, [p]);
  }
  return m;
}

/** Only label, taint, schedulability and readiness changes can change where daemons run (not heartbeats). */
function nodeChanged(a: Node, b: Node): boolean {
  const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return !jsonEqual(a.metadata?.labels, b.metadata?.labels) || !jsonEqual(a.spec?.taints, b.spec?.taints) || a.spec?.unschedulable !== b.spec?.unschedulable || ready(a) !== ready(b);
}
