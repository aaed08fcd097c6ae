// What the garbage collector does with one object, given what it found out about the object's owners (pure):
//   owners: solid (exists, not waiting), dangling (gone: 404 or another uid), waiting (being deleted in the
//   foreground, i.e. waiting for its dependents).
//   - some owner solid: keep it, but drop references to dangling owners and stop blocking waiting ones;
//   - no solid owner, some waiting: delete it (in the foreground when it has dependents of its own, so the
//     chain unwinds from the leaves);
//   - every owner dangling: delete it (policy from its own finalizers, background by default).
import type { KubeObject, OwnerReference } from '../../api/object.js';

export type OwnerState = 'solid' | 'dangling' | 'waiting' | 'unknown';

export type Decision =
  | { kind: 'keep' }
  | { kind: 'rewrite-refs'; ownerReferences: OwnerReference[] }
  | { kind: 'delete'; propagationPolicy: 'Background' | 'Foreground' | 'Orphan' };

export function decide(obj: KubeObject, states: ReadonlyMap<string, OwnerState>, hasDependents: boolean): Decision {
  const refs = obj.metadata?.ownerReferences ?? [];
  if (refs.length === 0) return { kind: 'keep' };
  const state = (r: OwnerReference) => states.get(r.uid) ?? 'unknown';
  // An owner we could not resolve keeps the object: never delete on a guess.
  if (refs.some((r) => state(r) === 'solid' || state(r) === 'unknown')) {
    const dangling = refs.some((r) => state(r) === 'dangling');
    const blocking = refs.some((r) => state(r) === 'waiting' && r.blockOwnerDeletion);
    if (!dangling && !blocking) return { kind: 'keep' };
    const ownerReferences = refs.filter((r) => state(r) !== 'dangling').map((r) => (state(r) === 'waiting' && r.blockOwnerDeletion ? { ...r, blockOwnerDeletion: false } : r));
    return { kind: 'rewrite-refs', ownerReferences };
  }
  if (refs.some((r) => state(r) === 'waiting')) return { kind: 'delete', propagationPolicy: hasDependents ? 'Foreground' : 'Background' };
  const fin = obj.metadata?.finalizers ?? [];
  const propagationPolicy = fin.includes('orphan') ? 'Orphan' : fin.includes('foregroundDeletion') ? 'Foreground' : 'Background';
  return { kind: 'delete', propagationPolicy };
}

/** Dependents that hold a foreground-deleting owner back: those whose reference to it has blockOwnerDeletion. */
export function blockingDependents<T extends KubeObject>(ownerUid: string, dependents: readonly T[]): T[] {
  return dependents.filter((d) => (d.metadata?.ownerReferences ?? []).some((r) => r.uid === ownerUid && r.blockOwnerDeletion === true));
}
