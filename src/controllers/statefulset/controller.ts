// The StatefulSet controller: pods with stable names, storage and network identity, created, removed and
// updated in ordinal order.
//   handlers: set events enqueue the set; pod events enqueue the pod's set (orphans: every set selecting them).
//   reconcile(key): claim pods, sync ControllerRevisions (current and update revision), work out the next steps
//             (plan.ts), create claims and pods / delete pods, keep claims' owner references as the retention
//             policy says, write status, prune history.
// Pods have fixed names, so a stale cache costs at most an AlreadyExists or NotFound, never a duplicate.
import { isApiError } from '../../api/errors.js';
import type { OwnerReference } from '../../api/object.js';
import { labelSelectorMatches } from '../../api/selectors.js';
import { controllerrevisions, persistentvolumeclaims, pods as podsRef, statefulsets } from '../../client/resources.js';
import type { Informer } from '../../client/types.js';
import { splitKey } from '../../client/types.js';
import { applyClaims } from '../common/adopt.js';
import { planClaims } from '../common/claim.js';
import { controllerRefOf, newControllerRef } from '../common/controller-ref.js';
import { discardEvents, type EventSink } from '../common/events.js';
import { jsonEqual, withKind } from '../common/objects.js';
import { enqueueOwner, ownKeyHandlers, requeueWhenAvailable, resolveControllerRef } from '../common/owners.js';
import { isPodAvailable, msUntilAvailable } from '../common/pod-util.js';
import type { ReconcilerDeps } from '../common/run.js';
import type { Pod } from '../common/types.js';
import { ownedRevisions, REVISION_HASH_LABEL, revisionsToPrune, templateOf, type ControllerRevision } from '../history/revision.js';
import { syncRevisions } from '../history/sync.js';
import { claimName, claimOwners, newClaims, newPod, ordinalOf } from './identity.js';
import { planSteps, type OrdinalState, type Step } from './plan.js';
import { isRunningAndReady, setStatusCounts } from './status.js';
import { STS_API_VERSION, STS_KIND, type Claim, type StatefulSet } from './types.js';

export type StatefulSetControllerDeps = ReconcilerDeps;

export class StatefulSetController {
  readonly sets: Informer<StatefulSet>;
  readonly pods: Informer<Pod>;
  readonly claims: Informer<Claim>;
  readonly revisions: Informer<ControllerRevision>;
  private readonly recorder: EventSink;

  constructor(private readonly d: StatefulSetControllerDeps) {
    this.sets = d.informers.informer<StatefulSet>(statefulsets);
    this.pods = d.informers.informer<Pod>(podsRef);
    this.claims = d.informers.informer<Claim>(persistentvolumeclaims);
    this.revisions = d.informers.informer<ControllerRevision>(controllerrevisions);
    this.recorder = d.recorder ?? discardEvents;
    this.sets.addHandlers(ownKeyHandlers(d.queue));
    this.pods.addHandlers({
      add: (p) => this.onPod(p),
      update: (old, p) => {
        if (controllerRefOf(old)?.uid !== controllerRefOf(p)?.uid) this.onPod(old);
        this.onPod(p);
        requeueWhenAvailable(d.queue, resolveControllerRef(this.sets, p, STS_KIND), old, p);
      },
      delete: (p) => this.onPod(p),
    });
  }

  private onPod(p: Pod): void {
    enqueueOwner(this.d.queue, this.sets, STS_KIND, p, (s) => labelSelectorMatches(s.spec?.selector, p.metadata?.labels));
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.sets.get(namespace, name);
    if (!cached) return;
    const set = withKind(cached, STS_API_VERSION, STS_KIND);
    if (set.metadata?.deletionTimestamp) return;
    const pods = await this.claimPods(set);
    const sync = await syncRevisions({
      client: this.d.client,
      owner: set,
      ownerRef: newControllerRef(set, STS_API_VERSION, STS_KIND),
      revisions: ownedRevisions(set, this.revisions.list(namespace)),
      template: set.spec?.template,
      collisionCount: set.status?.collisionCount ?? 0,
    });
    const update = sync.update;
    const current = sync.revisions.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
    const updateName = update.metadata?.name ?? '';
    const currentName = current.metadata?.name ?? '';
    const now = this.d.clock.now();
    const minReady = set.spec?.minReadySeconds ?? 0;
    const replicas = set.spec?.replicas ?? 1;
    const rolling = set.spec?.updateStrategy?.type !== 'OnDelete';

    const byOrdinal = new Map<number, Pod>();
    for (const p of pods) byOrdinal.set(ordinalOf(set, p)!, p);
    const states = new Map<number, OrdinalState>();
    for (const [n, p] of byOrdinal) {
      states.set(n, {
        ordinal: n,
        revision: p.metadata?.labels?.[REVISION_HASH_LABEL] ?? '',
        terminating: !!p.metadata?.deletionTimestamp,
        finished: p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed',
        healthy: isRunningAndReady(p) && isPodAvailable(p, minReady, now),
      });
    }
    const steps = planSteps({
      replicas,
      parallel: set.spec?.podManagementPolicy === 'Parallel',
      partition: rolling ? (set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0) : undefined,
      currentRevision: currentName,
      updateRevision: updateName,
      pods: states,
    });

    let thrown: unknown;
    try {
      await this.syncClaimOwners(set, byOrdinal);
      for (const s of steps) await this.apply(set, s, byOrdinal, { current, update });
    } catch (e) {
      thrown = e;
    }
    await this.writeStatus(set, pods, { currentName, updateName, collisionCount: sync.collisionCount, rolling, now });
    const inUse = new Set([updateName, currentName, ...pods.map((p) => p.metadata?.labels?.[REVISION_HASH_LABEL] ?? '')]);
    for (const r of revisionsToPrune(sync.revisions, inUse, set.spec?.revisionHistoryLimit ?? 10)) {
      await this.d.client.delete(controllerrevisions, namespace, r.metadata?.name ?? '').catch((e: unknown) => {
        if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
      });
    }
    if (thrown) throw thrown;
    const waits = pods.map((p) => msUntilAvailable(p, minReady, now)).filter((w): w is number => w !== undefined);
    if (waits.length > 0) this.d.queue.addAfter(key, Math.min(...waits) + 1);
  }

  /** Pods named <set>-<n> that the selector matches are members; adopt orphans, release strays. */
  private async claimPods(set: StatefulSet): Promise<Pod[]> {
    const plan = planClaims(set, this.pods.list(set.metadata?.namespace), (p) => ordinalOf(set, p) !== undefined && labelSelectorMatches(set.spec?.selector, p.metadata?.labels));
    const adopted = await applyClaims(plan, { client: this.d.client, resource: podsRef, owner: set, ref: newControllerRef(set, STS_API_VERSION, STS_KIND) });
    return [...plan.own, ...adopted];
  }

  private async apply(set: StatefulSet, s: Step, byOrdinal: Map<number, Pod>, revs: { current: ControllerRevision; update: ControllerRevision }): Promise<void> {
    const ns = set.metadata?.namespace;
    const setName = set.metadata?.name ?? '';
    if (s.op === 'create') {
      const rev = s.revision === 'current' ? revs.current : revs.update;
      const template = s.revision === 'current' ? (templateOf(rev) ?? set.spec?.template) : set.spec?.template;
      const pod = newPod(set, template, s.ordinal, rev.metadata?.name ?? '');
      await this.createClaims(set, s.ordinal, pod.metadata?.name ?? '');
      try {
        await this.d.client.create(podsRef, ns, pod);
        this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata?.name ?? ''} in StatefulSet ${setName} successful`);
      } catch (e) {
        if (isApiError(e) && e.reason === 'AlreadyExists') return; // our cache is behind
        this.recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata?.name ?? ''} in StatefulSet ${setName} failed error: ${e instanceof Error ? e.message : String(e)}`);
        throw e;
      }
      return;
    }
    const pod = byOrdinal.get(s.ordinal);
    if (!pod) return;
    try {
      await this.d.client.delete(podsRef, ns, pod.metadata?.name ?? '', { preconditions: { uid: pod.metadata?.uid } });
      this.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata?.name ?? ''} in StatefulSet ${setName} successful`);
    } catch (e) {
      if (isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict')) return;
      this.recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata?.name ?? ''} in StatefulSet ${setName} failed error: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  }

  /** Claims outlive pods: create only those missing; an existing claim (with its data) is reused. */
  private async createClaims(set: StatefulSet, ordinal: number, pod: string): Promise<void> {
    const ns = set.metadata?.namespace;
    for (const c of newClaims(set, ordinal)) {
      const cname = c.metadata?.name ?? '';
      if (this.claims.get(ns, cname)) continue;
      try {
        await this.d.client.create(persistentvolumeclaims, ns, c);
        this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${cname} Pod ${pod} in StatefulSet ${set.metadata?.name ?? ''} success`);
      } catch (e) {
        if (isApiError(e) && e.reason === 'AlreadyExists') continue;
        this.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${cname} for Pod ${pod} in StatefulSet ${set.metadata?.name ?? ''} failed error: ${e instanceof Error ? e.message : String(e)}`);
        throw e;
      }
    }
  }

  /** persistentVolumeClaimRetentionPolicy through owner references: add those the policy asks for and a claim lacks. */
  private async syncClaimOwners(set: StatefulSet, byOrdinal: Map<number, Pod>): Promise<void> {
    const policy = set.spec?.persistentVolumeClaimRetentionPolicy;
    if (policy?.whenDeleted !== 'Delete' && policy?.whenScaled !== 'Delete') return;
    const ns = set.metadata?.namespace;
    for (const [n, pod] of byOrdinal) {
      const want = claimOwners(set, pod, n);
      for (const t of set.spec?.volumeClaimTemplates ?? []) {
        const c = this.claims.get(ns, claimName(t.metadata?.name ?? '', set, n));
        if (!c) continue;
        const have = c.metadata?.ownerReferences ?? [];
        const missing = want.filter((w) => !have.some((h) => h.uid === w.uid));
        if (missing.length === 0) continue;
        const refs: OwnerReference[] = [...have, ...missing];
        await this.d.client.patch(persistentvolumeclaims, ns, c.metadata?.name ?? '', 'merge', { metadata: { ownerReferences: refs, resourceVersion: c.metadata?.resourceVersion } }).catch((e: unknown) => {
          if (!(isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict'))) throw e;
        });
      }
    }
  }

  private async writeStatus(set: StatefulSet, pods: readonly Pod[], o: { currentName: string; updateName: string; collisionCount: number; rolling: boolean; now: Date }): Promise<void> {
    const c = setStatusCounts({
      pods,
      specReplicas: set.spec?.replicas ?? 1,
      rollingUpdate: o.rolling,
      minReadySeconds: set.spec?.minReadySeconds ?? 0,
      currentRevision: o.currentName,
      updateRevision: o.updateName,
      now: o.now,
    });
    const status: Record<string, unknown> = {
      observedGeneration: set.metadata?.generation,
      replicas: c.replicas,
      availableReplicas: c.availableReplicas,
      currentRevision: c.currentRevision,
      updateRevision: c.updateRevision,
      collisionCount: o.collisionCount,
    };
    // Omitted when zero, as Kubernetes stores them.
    if (c.readyReplicas) status.readyReplicas = c.readyReplicas;
    if (c.currentReplicas) status.currentReplicas = c.currentReplicas;
    if (c.updatedReplicas) status.updatedReplicas = c.updatedReplicas;
    if (set.status?.conditions?.length) status.conditions = set.status.conditions;
    if (jsonEqual(set.status ?? {}, status)) return;
    try {
      await this.d.client.update(statefulsets, set.metadata?.namespace, { ...set, status }, { subresource: 'status' });
    } catch (e) {
      if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
    }
  }
}

