// Rollback through the deprecated.deployment.rollback.to annotation (what extensions/v1beta1 spec.rollbackTo
// became; Kubernetes still honours it). `kubectl rollout undo` does not use it: kubectl 1.27+ patches the
// deployment's template and annotations from the chosen replica set itself, which the controller sees as an
// ordinary template change that matches an old replica set.
import type { ReplicaSet } from '../common/types.js';
import { event, type Sync } from './context.js';
import { deploymentsRef } from '../common/resources.js';
import { getAllReplicaSetsAndSyncRevision } from './sync.js';
import { POD_TEMPLATE_HASH, ROLLBACK_TO, equalIgnoreHash, lastRevision, revisionOf, skipCopyAnnotation } from './util.js';

export function rollbackRevision(s: Sync): number | undefined {
  const v = s.d.metadata?.annotations?.[ROLLBACK_TO];
  if (v === undefined || v === '') return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) && String(n) === v.trim() ? n : undefined;
}

export async function rollback(s: Sync, revision: number): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(s, true);
  const all = [...oldRSs, ...(newRS ? [newRS] : [])];
  let to = revision;
  if (to === 0) {
    to = lastRevision(all);
    if (to === 0) {
      event(s, 'Warning', 'DeploymentRollbackRevisionNotFound', 'Unable to find last revision.');
      return clearRollbackTo(s);
    }
  }
  const target = all.find((rs) => revisionOf(rs) === to);
  if (!target) {
    event(s, 'Warning', 'DeploymentRollbackRevisionNotFound', 'Unable to find the revision to rollback to.');
    return clearRollbackTo(s);
  }
  if (equalIgnoreHash(s.d.spec?.template, target.spec?.template)) {
    event(s, 'Warning', 'DeploymentRollbackTemplateUnchanged', `The rollback revision contains the same template as current deployment "${s.d.metadata?.name ?? ''}"`);
    return clearRollbackTo(s);
  }
  rollbackToTemplate(s, target);
  await clearRollbackTo(s);
  event(s, 'Normal', 'DeploymentRollback', `Rolled back deployment "${s.d.metadata?.name ?? ''}" to revision ${to}`);
}

/**
 * Takes the replica set's template (without its hash label) and its annotations (keeping the deployment's own
 * bookkeeping ones), so change-cause follows the revision rolled back to.
 */
function rollbackToTemplate(s: Sync, rs: ReplicaSet): void {
  const template = structuredClone(rs.spec?.template ?? {});
  if (template.metadata?.labels) delete template.metadata.labels[POD_TEMPLATE_HASH];
  s.d.spec = { ...s.d.spec!, template };
  const kept = Object.entries(s.d.metadata?.annotations ?? {}).filter(([k]) => skipCopyAnnotation(k));
  const fromRS = Object.entries(rs.metadata?.annotations ?? {}).filter(([k]) => !skipCopyAnnotation(k));
  s.d.metadata = { ...s.d.metadata, annotations: Object.fromEntries([...kept, ...fromRS]) };
}

/** One update writes the template (when rolling back) and drops the annotation, so the rollback runs once. */
async function clearRollbackTo(s: Sync): Promise<void> {
  const ann = { ...(s.d.metadata?.annotations ?? {}) };
  delete ann[ROLLBACK_TO];
  s.d.metadata = { ...s.d.metadata, annotations: ann };
  const out = await s.deps.client.update(deploymentsRef, s.d.metadata.namespace, s.d);
  s.d = out;
}
