// The ReplicaSet (and ReplicationController) controller: keep spec.replicas pods from the template.
//   handlers: owner events enqueue the owner; pod events enqueue the pod's controller (or, for an orphan, every
//             owner whose selector matches it) and settle expectations.
//   reconcile(key): re-read the owner, claim pods (adopt orphans, release strays), create or delete the
//             difference when expectations are met, then write status.
import type { KubeObject } from '../../api/object.js';
import { isApiError } from '../../api/errors.js';
import type { Informer } from '../../client/types.js';
import { keyOf, splitKey } from '../../client/types.js';
import { applyClaims } from '../common/adopt.js';
import { planClaims } from '../common/claim.js';
import { controllerRefOf, newControllerRef } from '../common/controller-ref.js';
import { discardEvents, type EventSink } from '../common/events.js';
import { Expectations } from '../common/expectations.js';
import { withKind } from '../common/objects.js';
import { enqueueSelecting, ownKeyHandlers, requeueWhenAvailable, resolveControllerRef } from '../common/owners.js';
import { podsToDelete } from '../common/pod-ranking.js';
import { isPodActive, msUntilAvailable } from '../common/pod-util.js';
import { podsRef } from '../common/resources.js';
import { slowStartBatch } from '../common/slow-start.js';
import type { ReconcilerDeps } from '../common/run.js';
import type { Pod } from '../common/types.js';
import type { ReplicaKind, ReplicaOwner } from './kinds.js';
import { calculateStatus, statusEqual } from './status.js';

/** At most this many creates or deletes per sync (Kubernetes' burstReplicas). */
export const BURST_REPLICAS = 500;

export type ReplicaControllerDeps = ReconcilerDeps;

export class ReplicaController {
  readonly owners: Informer<ReplicaOwner>;
  readonly pods: Informer<Pod>;
  readonly expectations: Expectations;
  private readonly recorder: EventSink;

  constructor(
    private readonly kind: ReplicaKind,
    private readonly d: ReplicaControllerDeps,
  ) {
    this.owners = d.informers.informer<ReplicaOwner>(kind.ref);
    this.pods = d.informers.informer<Pod>(podsRef);
    this.expectations = new Expectations(d.clock);
    this.recorder = d.recorder ?? discardEvents;
    this.owners.addHandlers(ownKeyHandlers(d.queue, (o) => this.expectations.forget(keyOf(o))));
    this.pods.addHandlers({
      add: (p) => this.onPodAdd(p),
      update: (old, p) => this.onPodUpdate(old, p),
      delete: (p) => this.onPodDelete(p),
    });
  }

  // ---- handlers: work out the owner key, settle expectations, enqueue ----

  /** The owner (of our kind, still in the cache with the same uid) a pod's controller reference points at. */
  private ownerOf(p: Pod): ReplicaOwner | undefined {
    return resolveControllerRef(this.owners, p, this.kind.kind);
  }

  private enqueueMatchingOwners(p: Pod): void {
    enqueueSelecting(this.d.queue, this.owners, p, (o) => this.kind.selects(o, p.metadata?.labels));
  }

  private onPodAdd(p: Pod): void {
    if (p.metadata?.deletionTimestamp) return this.onPodDelete(p);
    if (controllerRefOf(p)) {
      const o = this.ownerOf(p);
      if (!o) return;
      this.expectations.creationObserved(keyOf(o));
      this.d.queue.add(keyOf(o));
      return;
    }
    this.enqueueMatchingOwners(p);
  }

  private onPodUpdate(old: Pod, p: Pod): void {
    if (p.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) {
      this.onPodDelete(p);
      return;
    }
    const oldRef = controllerRefOf(old);
    const ref = controllerRefOf(p);
    if (oldRef && oldRef.uid !== ref?.uid) {
      const o = this.ownerOf(old);
      if (o) this.d.queue.add(keyOf(o));
    }
    if (!ref) return this.enqueueMatchingOwners(p);
    const o = this.ownerOf(p);
    if (!o) return;
    this.d.queue.add(keyOf(o));
    requeueWhenAvailable(this.d.queue, o, old, p);
  }

  private onPodDelete(p: Pod): void {
    const o = this.ownerOf(p);
    if (!o) return;
    this.expectations.deletionObserved(keyOf(o), keyOf(p));
    this.d.queue.add(keyOf(o));
  }

  // ---- reconcile ----

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.owners.get(namespace, name);
    if (!cached) {
      this.expectations.forget(key);
      return;
    }
    const owner = withKind(cached, this.kind.apiVersion, this.kind.kind);
    const satisfied = this.expectations.satisfied(key);
    const active = this.pods.list(namespace).filter(isPodActive);
    const owned = await this.claimPods(owner, active);

    let manageError: { message: string; creating: boolean } | undefined;
    let thrown: unknown;
    if (satisfied && !owner.metadata?.deletionTimestamp) {
      const want = owner.spec?.replicas ?? 1;
      try {
        await this.manageReplicas(key, owner, owned, want);
      } catch (e) {
        thrown = e;
        manageError = { message: e instanceof Error ? e.message : String(e), creating: owned.length < want };
      }
    }
    await this.writeStatus(owner, owned, manageError);
    if (thrown) throw thrown;

    // Requeue when a ready pod will cross minReadySeconds, so availableReplicas catches up without a pod event.
    const minReady = owner.spec?.minReadySeconds ?? 0;
    const now = this.d.clock.now();
    const waits = owned.map((p) => msUntilAvailable(p, minReady, now)).filter((w): w is number => w !== undefined);
    if (waits.length > 0) this.d.queue.addAfter(key, Math.min(...waits) + 1);
  }

  /** Adopts orphans that match, releases ours that stopped matching; returns the pods the owner now controls. */
  private async claimPods(owner: ReplicaOwner, pods: Pod[]): Promise<Pod[]> {
    const plan = planClaims(owner, pods, (p) => this.kind.selects(owner, p.metadata?.labels));
    const adopted = await applyClaims(plan, {
      client: this.d.client,
      resource: podsRef,
      owner,
      ref: newControllerRef(owner, this.kind.apiVersion, this.kind.kind),
      ownerResource: this.kind.ref,
    });
    return [...plan.own, ...adopted];
  }

  private async manageReplicas(key: string, owner: ReplicaOwner, owned: Pod[], want: number): Promise<void> {
    const diff = owned.length - want;
    const ns = owner.metadata?.namespace;
    if (diff < 0) {
      const n = Math.min(-diff, BURST_REPLICAS);
      // Expect all n before the first create: a watch event may arrive before create() resolves.
      this.expectations.expect(key, n);
      const pod = this.podFromTemplate(owner);
      const r = await slowStartBatch(n, 1, async () => {
        const created = await this.d.client.create<Pod>(podsRef, ns, structuredClone(pod));
        this.recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
      });
      const failed = r.errors.length + r.skipped;
      if (failed > 0) {
        this.expectations.lowerAdds(key, failed);
        const e = r.errors[0];
        const msg = e instanceof Error ? e.message : String(e);
        this.recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${msg}`);
        throw e;
      }
      return;
    }
    if (diff > 0) {
      const n = Math.min(diff, BURST_REPLICAS);
      const victims = podsToDelete(owned, owned, n, this.d.clock.now());
      this.expectations.expect(key, 0, victims.map(keyOf));
      const results = await Promise.allSettled(
        victims.map(async (p) => {
          try {
            await this.d.client.delete(podsRef, ns, p.metadata?.name ?? '');
            this.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name ?? ''}`);
          } catch (e) {
            // A delete that failed will never be observed; one already gone never will be either.
            this.expectations.deletionObserved(key, keyOf(p));
            if (isApiError(e) && e.reason === 'NotFound') return;
            this.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${e instanceof Error ? e.message : String(e)}`);
            throw e;
          }
        }),
      );
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
    }
  }

  /** Kubernetes' GetPodFromTemplate: labels, annotations and finalizers from the template, named <owner>-xxxxx. */
  podFromTemplate(owner: ReplicaOwner): Pod {
    const t = this.kind.template(owner);
    const meta: NonNullable<KubeObject['metadata']> = {
      generateName: `${owner.metadata?.name ?? ''}-`,
      namespace: owner.metadata?.namespace,
      ownerReferences: [newControllerRef(owner, this.kind.apiVersion, this.kind.kind)],
    };
    if (t?.metadata?.labels) meta.labels = { ...t.metadata.labels };
    if (t?.metadata?.annotations) meta.annotations = { ...t.metadata.annotations };
    if (t?.metadata?.finalizers) meta.finalizers = [...t.metadata.finalizers];
    return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: structuredClone(t?.spec) };
  }

  private async writeStatus(owner: ReplicaOwner, owned: Pod[], manageError: { message: string; creating: boolean } | undefined) {
    const status = calculateStatus({
      pods: owned,
      templateLabels: this.kind.template(owner)?.metadata?.labels ?? {},
      minReadySeconds: owner.spec?.minReadySeconds ?? 0,
      generation: owner.metadata?.generation,
      oldConditions: owner.status?.conditions as never,
      manageError,
      now: this.d.clock.now(),
    });
    if (statusEqual(owner.status, status)) return;
    // As Kubernetes stores it: replicas always, the other counts only when non-zero (omitempty).
    const stored: Record<string, unknown> = { replicas: status.replicas };
    for (const [k, v] of Object.entries(status)) if (k !== 'replicas' && v !== 0 && v !== undefined) stored[k] = v;
    const next = { ...owner, status: stored } as unknown as ReplicaOwner;
    try {
      await this.d.client.update(this.kind.ref, owner.metadata?.namespace, next, { subresource: 'status' });
    } catch (e) {
      // Gone: nothing to report on.
      if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
    }
  }
}
