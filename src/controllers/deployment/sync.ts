// The parts of a deployment sync every strategy shares (pkg/controller/deployment/sync.go): finding or creating
// the new replica set and keeping revisions in order, scaling with events, proportional scaling for resizes
// and paused deployments, revision history cleanup, and plain status sync.
import { isApiError } from '../../api/errors.js';
import { controllerRefOf, newControllerRef } from '../common/controller-ref.js';
import { replicaSetsRef } from '../common/resources.js';
import type { Condition, ReplicaSet } from '../common/types.js';
import { event, patchAnnotations, statusEqual, toStoredStatus, updateReplicaSet, updateStatus, type Sync } from './context.js';
import { computeHash } from './hash.js';
import {
  POD_TEMPLATE_HASH,
  REVISION,
  activeReplicaSets,
  calculateStatus,
  equalIgnoreHash,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  getCondition,
  hasProgressDeadline,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  newCondition,
  newRSNewReplicas,
  proportionalScale,
  reasons,
  replicaSetsToCleanUp,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from './util.js';

export interface ReplicaSets {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

/** The new replica set (created when asked and missing) and the old ones, with revisions brought up to date. */
export async function getAllReplicaSetsAndSyncRevision(s: Sync, create: boolean): Promise<ReplicaSets> {
  const oldRSs = findOldReplicaSets(s.d, s.rsList);
  const newRS = await getNewReplicaSet(s, oldRSs, create);
  return { newRS, oldRSs };
}

function setConditionOn(s: Sync, c: Condition): void {
  const st = (s.d.status ??= {});
  st.conditions = setCondition((st.conditions ?? []) as Condition[], c) as never;
}

async function setDeploymentRevision(s: Sync, revision: string): Promise<void> {
  if (s.d.metadata?.annotations?.[REVISION] === revision) return;
  await patchAnnotations(s, { [REVISION]: revision });
}

async function getNewReplicaSet(s: Sync, oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
  const { d } = s;
  const now = s.deps.clock.now();
  const existing = findNewReplicaSet(d, s.rsList);
  const newRevision = maxRevision(oldRSs) + 1;
  if (existing) {
    const copy = structuredClone(existing);
    const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
    const minReady = d.spec?.minReadySeconds ?? 0;
    if (annotationsChanged || (copy.spec?.minReadySeconds ?? 0) !== minReady) {
      copy.spec = { ...copy.spec!, minReadySeconds: minReady };
      return replaceRS(s, await updateReplicaSet(s, copy));
    }
    await setDeploymentRevision(s, copy.metadata?.annotations?.[REVISION] ?? '');
    // First time we estimate progress for this deployment: count from now.
    if (hasProgressDeadline(d) && !getCondition(s.d.status?.conditions as Condition[], 'Progressing')) {
      setConditionOn(s, newCondition('Progressing', 'True', reasons.foundNewRS, `Found new replica set "${copy.metadata?.name ?? ''}"`, now));
      await updateStatus(s);
    }
    return copy;
  }
  if (!create) return undefined;

  const template = structuredClone(d.spec?.template ?? {});
  const hash = computeHash(d.spec?.template, d.status?.collisionCount);
  template.metadata = { ...template.metadata, labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
  const selector = structuredClone(d.spec?.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
  const name = `${d.metadata?.name ?? ''}-${hash}`;
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: d.metadata?.namespace,
      ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      labels: { ...template.metadata.labels },
    },
    spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
  };
  rs.spec!.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
  setNewReplicaSetAnnotations(d, rs, newRevision, false);

  let created: ReplicaSet;
  let alreadyExists = false;
  try {
    created = await s.deps.client.create<ReplicaSet>(replicaSetsRef, d.metadata?.namespace, rs);
  } catch (e) {
    if (isApiError(e) && e.reason === 'AlreadyExists') {
      // Ours with the same template: a stale cache, carry on. Anything else is a hash collision: count it,
      // which changes the hash next time.
      const found = await s.deps.client.get<ReplicaSet>(replicaSetsRef, d.metadata?.namespace, name);
      if (controllerRefOf(found)?.uid === d.metadata?.uid && equalIgnoreHash(d.spec?.template, found.spec?.template)) {
        created = found;
        alreadyExists = true;
      } else {
        s.d.status = { ...s.d.status, collisionCount: (s.d.status?.collisionCount ?? 0) + 1 };
        await updateStatus(s);
        throw e;
      }
    } else {
      const msg = `Failed to create new replica set "${name}": ${e instanceof Error ? e.message : String(e)}`;
      if (hasProgressDeadline(d)) {
        setConditionOn(s, newCondition('Progressing', 'False', reasons.failedRSCreate, msg, now));
        await updateStatus(s).catch(() => undefined);
      }
      event(s, 'Warning', reasons.failedRSCreate, msg);
      throw e;
    }
  }
  const replicas = created.spec?.replicas ?? 0;
  if (!alreadyExists && replicas > 0) event(s, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata?.name ?? ''} from 0 to ${replicas}`);
  s.rsList.push(created);
  await setDeploymentRevision(s, String(newRevision));
  if (!alreadyExists && hasProgressDeadline(d)) {
    setConditionOn(s, newCondition('Progressing', 'True', reasons.newReplicaSet, `Created new replica set "${created.metadata?.name ?? ''}"`, now));
    await updateStatus(s);
  }
  return created;
}

function replaceRS(s: Sync, rs: ReplicaSet): ReplicaSet {
  const i = s.rsList.findIndex((x) => x.metadata?.uid === rs.metadata?.uid);
  if (i >= 0) s.rsList[i] = rs;
  return rs;
}

/**
 * Sets a replica set's size (and the desired/max replicas annotations); records ScalingReplicaSet when the size
 * moved. Returns the replica set as it now is and whether it was scaled.
 */
export async function scaleReplicaSet(s: Sync, rs: ReplicaSet, size: number, operation?: 'up' | 'down' | ''): Promise<{ rs: ReplicaSet; scaled: boolean }> {
  const cur = rs.spec?.replicas ?? 0;
  const want = replicasOf(s.d);
  const max = want + maxSurge(s.d);
  const sizeChanges = cur !== size;
  if (!sizeChanges && !replicasAnnotationsNeedUpdate(rs, want, max)) return { rs, scaled: false };
  const copy = structuredClone(rs);
  copy.spec = { ...copy.spec!, replicas: size };
  setReplicasAnnotations(copy, want, max);
  const out = replaceRS(s, await updateReplicaSet(s, copy));
  if (sizeChanges) {
    const op = operation || (cur < size ? 'up' : 'down');
    event(s, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata?.name ?? ''} from ${cur} to ${size}`);
  }
  return { rs: out, scaled: sizeChanges };
}

/** Scales only when the size differs (Kubernetes' scaleReplicaSetAndRecordEvent). */
export async function scaleAndRecord(s: Sync, rs: ReplicaSet, size: number): Promise<{ rs: ReplicaSet; scaled: boolean }> {
  if ((rs.spec?.replicas ?? 0) === size) return { rs, scaled: false };
  return scaleReplicaSet(s, rs, size);
}

/** A resize of the deployment (or a paused one): scale what exists, proportionally when a rollout is under way. */
export async function scale(s: Sync, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
  const want = replicasOf(s.d);
  const only = findActiveOrLatest(newRS, oldRSs);
  if (only) {
    if ((only.spec?.replicas ?? 0) !== want) await scaleAndRecord(s, only, want);
    return;
  }
  // A saturated new replica set (e.g. just adopted) leaves nothing for the old ones.
  if (isSaturated(s.d, newRS)) {
    for (const old of activeReplicaSets(oldRSs)) await scaleAndRecord(s, old, 0);
    return;
  }
  if (!isRollingUpdate(s.d)) return;
  const plan = proportionalScale(s.d, newRS, oldRSs);
  for (const { rs, size } of plan.sizes) await scaleReplicaSet(s, rs, size, plan.operation);
}

/** A resize is pending when an active replica set was sized for a different deployment size. */
export function isScalingEvent(s: Sync, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
  const want = String(replicasOf(s.d));
  return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
    const desired = rs.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'];
    return desired !== undefined && desired !== want;
  });
}

/** Deletes old replica sets beyond revisionHistoryLimit (only empty, settled ones). */
export async function cleanupDeployment(s: Sync, oldRSs: ReplicaSet[]): Promise<void> {
  for (const rs of replicaSetsToCleanUp(s.d, oldRSs)) {
    try {
      await s.deps.client.delete(replicaSetsRef, rs.metadata?.namespace, rs.metadata?.name ?? '');
    } catch (e) {
      if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
    }
  }
}

/** Status from the replica sets, written only when it changed. */
export async function syncDeploymentStatus(s: Sync, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
  const st = toStoredStatus(calculateStatus(allRSs, newRS, s.d, s.deps.clock.now()));
  if (statusEqual(s.d.status, st)) return;
  s.d.status = st as never;
  await updateStatus(s);
}

/** Paused deployments and resizes: scale, clean up history when paused, sync status; no rollout. */
export async function syncScaleOnly(s: Sync): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(s, false);
  await scale(s, newRS, oldRSs);
  if (s.d.spec?.paused && !s.d.metadata?.annotations?.['deprecated.deployment.rollback.to']) await cleanupDeployment(s, oldRSs);
  const cur = (rs: ReplicaSet | undefined) => (rs ? (s.rsList.find((x) => x.metadata?.uid === rs.metadata?.uid) ?? rs) : undefined);
  await syncDeploymentStatus(s, [...oldRSs.map(cur), cur(newRS)], cur(newRS));
}

/** Progressing=Unknown with DeploymentPaused / DeploymentResumed when pausing or resuming (unless timed out). */
export async function checkPausedConditions(s: Sync): Promise<void> {
  if (!hasProgressDeadline(s.d)) return;
  const cond = getCondition(s.d.status?.conditions as Condition[], 'Progressing');
  if (cond?.reason === reasons.timedOut) return;
  const pausedCond = cond?.reason === reasons.paused;
  const now = s.deps.clock.now();
  if (s.d.spec?.paused && !pausedCond) setConditionOn(s, newCondition('Progressing', 'Unknown', reasons.paused, 'Deployment is paused', now));
  else if (!s.d.spec?.paused && pausedCond) setConditionOn(s, newCondition('Progressing', 'Unknown', reasons.resumed, 'Deployment is resumed', now));
  else return;
  await updateStatus(s);
}
