// The Deployment controller: informers on deployments, replica sets and pods; handlers enqueue the deployment
// concerned; reconcile(key) claims replica sets, then pauses, rolls back, scales or rolls out (sync.go,
// rolling.go, recreate.go, rollback.go, progress.go).
import { labelSelectorMatches } from '../../api/selectors.js';
import { selectorIsEmpty } from '../../api/validation/selector.js';
import type { Informer } from '../../client/types.js';
import { keyOf, splitKey } from '../../client/types.js';
import { applyClaims } from '../common/adopt.js';
import { planClaims } from '../common/claim.js';
import { controllerRefOf, newControllerRef } from '../common/controller-ref.js';
import { discardEvents, type EventSink } from '../common/events.js';
import { withKind } from '../common/objects.js';
import { enqueueOwner, ownKeyHandlers, resolveControllerRef } from '../common/owners.js';
import { deploymentsRef, podsRef, replicaSetsRef } from '../common/resources.js';
import type { ReconcilerDeps } from '../common/run.js';
import type { Deployment, Pod, ReplicaSet } from '../common/types.js';
import { event, updateStatus, type Sync } from './context.js';
import { rolloutRecreate } from './recreate.js';
import { rollback, rollbackRevision } from './rollback.js';
import { rolloutRolling } from './rolling.js';
import { checkPausedConditions, getAllReplicaSetsAndSyncRevision, isScalingEvent, syncDeploymentStatus, syncScaleOnly } from './sync.js';

export type DeploymentControllerDeps = ReconcilerDeps;

export class DeploymentController {
  readonly deployments: Informer<Deployment>;
  readonly replicaSets: Informer<ReplicaSet>;
  readonly pods: Informer<Pod>;
  private readonly recorder: EventSink;

  constructor(private readonly d: DeploymentControllerDeps) {
    this.deployments = d.informers.informer<Deployment>(deploymentsRef);
    this.replicaSets = d.informers.informer<ReplicaSet>(replicaSetsRef);
    this.pods = d.informers.informer<Pod>(podsRef);
    this.recorder = d.recorder ?? discardEvents;
    this.deployments.addHandlers(ownKeyHandlers(d.queue));
    this.replicaSets.addHandlers({
      add: (rs) => this.onReplicaSet(rs),
      update: (old, rs) => {
        if (controllerRefOf(old)?.uid !== controllerRefOf(rs)?.uid) this.onReplicaSet(old);
        this.onReplicaSet(rs);
      },
      delete: (rs) => {
        const owner = this.ownerOf(rs);
        if (owner) d.queue.add(keyOf(owner));
      },
    });
    // Recreate waits for old pods to go: their deletion may be the event that lets it continue.
    this.pods.addHandlers({
      delete: (p) => {
        const ref = controllerRefOf(p);
        if (ref?.kind !== 'ReplicaSet') return;
        const rs = this.replicaSets.get(p.metadata?.namespace, ref.name);
        const owner = rs && rs.metadata?.uid === ref.uid ? this.ownerOf(rs) : undefined;
        if (owner?.spec?.strategy?.type === 'Recreate') d.queue.add(keyOf(owner));
      },
    });
  }

  private ownerOf(rs: ReplicaSet): Deployment | undefined {
    return resolveControllerRef(this.deployments, rs, 'Deployment');
  }

  /** Its deployment or, for an orphan, any deployment that selects it (and so may adopt it). */
  private onReplicaSet(rs: ReplicaSet): void {
    enqueueOwner(this.d.queue, this.deployments, 'Deployment', rs, (dep) => !selectorIsEmpty(dep.spec?.selector) && labelSelectorMatches(dep.spec?.selector, rs.metadata?.labels));
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deployments.get(namespace, name);
    if (!cached) return;
    const s: Sync = {
      deps: { client: this.d.client, clock: this.d.clock, logger: this.d.logger, recorder: this.recorder, queue: this.d.queue },
      key,
      d: withKind(structuredClone(cached), 'apps/v1', 'Deployment'),
      rsList: [],
      podMap: new Map(),
    };
    if (selectorIsEmpty(s.d.spec?.selector)) {
      event(s, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((s.d.status?.observedGeneration ?? 0) < (s.d.metadata?.generation ?? 0)) {
        s.d.status = { ...s.d.status, observedGeneration: s.d.metadata?.generation };
        await updateStatus(s);
      }
      return;
    }
    s.rsList = await this.claimReplicaSets(s.d);
    s.podMap = this.podMap(s.d, s.rsList);

    if (s.d.metadata?.deletionTimestamp) {
      const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(s, false);
      return syncDeploymentStatus(s, [...oldRSs, newRS], newRS);
    }
    await checkPausedConditions(s);
    if (s.d.spec?.paused) return syncScaleOnly(s);
    const rollbackTo = rollbackRevision(s);
    if (rollbackTo !== undefined) return rollback(s, rollbackTo);
    const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(s, false);
    if (isScalingEvent(s, newRS, oldRSs)) return syncScaleOnly(s);
    if (s.d.spec?.strategy?.type === 'Recreate') return rolloutRecreate(s);
    return rolloutRolling(s);
  }

  /** Replica sets this deployment controls after adopting matching orphans and releasing strays (copies). */
  private async claimReplicaSets(dep: Deployment): Promise<ReplicaSet[]> {
    const plan = planClaims(dep, this.replicaSets.list(dep.metadata?.namespace), (rs) => labelSelectorMatches(dep.spec?.selector, rs.metadata?.labels));
    const adopted = await applyClaims(plan, {
      client: this.d.client,
      resource: replicaSetsRef,
      owner: dep,
      ref: newControllerRef(dep, 'apps/v1', 'Deployment'),
      ownerResource: deploymentsRef,
    });
    return [...plan.own.map((rs) => structuredClone(rs)), ...adopted];
  }

  /** Pods of the deployment's replica sets, by replica set uid. */
  private podMap(dep: Deployment, rsList: ReplicaSet[]): Map<string, Pod[]> {
    const uids = new Set(rsList.map((rs) => rs.metadata?.uid ?? ''));
    const m = new Map<string, Pod[]>([...uids].map((u) => [u, []]));
    for (const p of this.pods.list(dep.metadata?.namespace)) {
      const ref = controllerRefOf(p);
      if (!ref || !uids.has(ref.uid) || !labelSelectorMatches(dep.spec?.selector, p.metadata?.labels)) continue;
      m.get(ref.uid)!.push(p);
    }
    return m;
  }
}
