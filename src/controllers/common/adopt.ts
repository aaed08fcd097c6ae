// Carrying out a claim plan (claim.ts) through the API: patch the controller reference onto orphans, patch it off
// strays. An object that vanished meanwhile is simply not claimed.
import { isApiError } from '../../api/errors.js';
import type { KubeObject, OwnerReference } from '../../api/object.js';
import type { Client, ResourceRef } from '../../client/types.js';
import { adoptPatch, releasePatch } from './controller-ref.js';

export interface ClaimWrites<T extends KubeObject> {
  client: Client;
  /** The dependents' resource (pods, replica sets). */
  resource: ResourceRef;
  owner: KubeObject;
  /** The reference stamped on adopted objects. */
  ref: OwnerReference;
  /** When set, adoption first re-reads the owner there (ownerIsCurrent); without it the cached owner is trusted. */
  ownerResource?: ResourceRef;
  /** Replaces the plain release patch (a Job also drops its tracking finalizer). */
  releasePatch?: (obj: T) => unknown;
}

/** Adopts plan.adopt and releases plan.release; returns the adopted objects as the server answered. */
export async function applyClaims<T extends KubeObject>(plan: { adopt: readonly T[]; release: readonly T[] }, w: ClaimWrites<T>): Promise<T[]> {
  const ns = w.owner.metadata?.namespace;
  const adopted: T[] = [];
  if (plan.adopt.length > 0 && (!w.ownerResource || (await ownerIsCurrent(w.client, w.ownerResource, w.owner)))) {
    for (const o of plan.adopt) {
      try {
        adopted.push(await w.client.patch<T>(w.resource, ns, o.metadata?.name ?? '', 'strategic', adoptPatch(o, w.ref)));
      } catch (e) {
        if (!isApiError(e) || e.reason !== 'NotFound') throw e;
      }
    }
  }
  for (const o of plan.release) {
    const patch = w.releasePatch ? w.releasePatch(o) : releasePatch(o, w.owner.metadata?.uid ?? '');
    try {
      await w.client.patch(w.resource, ns, o.metadata?.name ?? '', 'strategic', patch);
    } catch (e) {
      // Gone, or its uid changed (422 on the uid precondition): either way it is not ours to release.
      if (!isApiError(e) || (e.reason !== 'NotFound' && e.reason !== 'Invalid')) throw e;
    }
  }
  return adopted;
}

/** Adoption needs a fresh read: a cached owner may have been deleted (and even recreated) meanwhile. */
export async function ownerIsCurrent(client: Client, resource: ResourceRef, owner: KubeObject): Promise<boolean> {
  try {
    const fresh = await client.get(resource, owner.metadata?.namespace, owner.metadata?.name ?? '');
    return fresh.metadata?.uid === owner.metadata?.uid && !fresh.metadata?.deletionTimestamp;
  } catch (e) {
    if (isApiError(e) && e.reason === 'NotFound') return false;
    throw e;
  }
}
