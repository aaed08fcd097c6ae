// Making sure the owner's current template has a revision: reuse an equal one (renumbering it to the newest when
// an undo brought an old template back, as kubectl rollout history then shows it last) or create one, stepping
// the collision count when a different revision already holds the name.
import type { KubeObject, OwnerReference } from '../../api/object.js';
import { isApiError } from '../../api/errors.js';
import { controllerrevisions } from '../../client/resources.js';
import type { Client } from '../../client/types.js';
import type { PodTemplateSpec } from '../common/types.js';
import { hashValue } from './hash.js';
import { newRevision, nextRevisionNumber, sameData, sortRevisions, templatePatch, type ControllerRevision } from './revision.js';

export interface SyncRevisionsOptions {
  client: Client;
  owner: KubeObject;
  ownerRef: OwnerReference;
  /** Revisions the owner controls (from the cache). */
  revisions: readonly ControllerRevision[];
  template: PodTemplateSpec | undefined;
  collisionCount: number;
}

export interface RevisionSync {
  /** The revision of the current template. */
  update: ControllerRevision;
  /** Every owned revision, the update one included, ascending. */
  revisions: ControllerRevision[];
  collisionCount: number;
}

const MAX_COLLISIONS = 10;

export async function syncRevisions(o: SyncRevisionsOptions): Promise<RevisionSync> {
  const ns = o.owner.metadata?.namespace;
  const data = templatePatch(o.template);
  const probe = { data } as ControllerRevision;
  let revisions = sortRevisions(o.revisions);
  const next = nextRevisionNumber(revisions);
  const equal = revisions.filter((r) => sameData(r, probe));
  const found = equal.at(-1);
  if (found) {
    if ((found.revision ?? 0) === next - 1) return { update: found, revisions, collisionCount: o.collisionCount };
    const bumped = await o.client.patch<ControllerRevision>(controllerrevisions, ns, found.metadata?.name ?? '', 'merge', { revision: next });
    revisions = sortRevisions(revisions.map((r) => (r === found ? bumped : r)));
    return { update: bumped, revisions, collisionCount: o.collisionCount };
  }
  let collisionCount = o.collisionCount;
  for (let i = 0; i < MAX_COLLISIONS; i++) {
    const rev = newRevision({
      owner: o.owner,
      ownerRef: o.ownerRef,
      templateLabels: o.template?.metadata?.labels,
      data,
      revision: next,
      hash: hashValue(data, collisionCount || undefined),
    });
    try {
      const created = await o.client.create<ControllerRevision>(controllerrevisions, ns, rev);
      return { update: created, revisions: sortRevisions([...revisions, created]), collisionCount };
    } catch (e) {
      if (!isApiError(e) || e.reason !== 'AlreadyExists') throw e;
      const existing = await o.client.get<ControllerRevision>(controllerrevisions, ns, rev.metadata?.name ?? '');
      const ours = existing.metadata?.ownerReferences?.some((r) => r.uid === o.ownerRef.uid);
      // Our own revision the cache had not seen yet: use it.
      if (ours && sameData(existing, probe)) return { update: existing, revisions: sortRevisions([...revisions, existing]), collisionCount };
      collisionCount++;
    }
  }
  throw new Error(`could not find a free revision name for ${o.owner.metadata?.name ?? ''} after ${MAX_COLLISIONS} collisions`);
}
