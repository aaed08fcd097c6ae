// Adoption and release (Kubernetes' ControllerRefManager), as a pure decision per object:
//   ours and matching -> own; ours but no longer matching -> release (unless either side is being deleted);
//   orphan and matching -> adopt (unless either side is being deleted); someone else's -> ignore.
import type { KubeObject } from '../../api/object.js';
import { controllerRefOf, isBeingDeleted } from './controller-ref.js';

export type ClaimAction = 'own' | 'adopt' | 'release' | 'ignore';

export function claimAction(owner: KubeObject, obj: KubeObject, matches: boolean): ClaimAction {
  const ref = controllerRefOf(obj);
  if (ref) {
    if (ref.uid !== owner.metadata?.uid) return 'ignore';
    if (matches) return 'own';
    // A deleting owner keeps its objects so the garbage collector can finish; a deleting object is going anyway.
    if (isBeingDeleted(owner) || isBeingDeleted(obj)) return 'ignore';
    return 'release';
  }
  if (!matches || isBeingDeleted(owner) || isBeingDeleted(obj)) return 'ignore';
  return 'adopt';
}

/** Splits objects by what the owner should do with them. */
export function planClaims<T extends KubeObject>(owner: KubeObject, objs: readonly T[], matches: (o: T) => boolean) {
  const plan = { own: [] as T[], adopt: [] as T[], release: [] as T[] };
  for (const o of objs) {
    const a = claimAction(owner, o, matches(o));
    if (a !== 'ignore') plan[a].push(o);
  }
  return plan;
}
