// Controller references: the one ownerReference with controller=true says who manages an object.
import type { KubeObject, OwnerReference } from '../../api/object.js';

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const ref = controllerRefOf(obj);
  return ref !== undefined && ref.uid === owner.metadata?.uid;
}

/** The reference a controller stamps on what it creates or adopts: blockOwnerDeletion so foreground deletion waits. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Strategic merge patch that adds the controller reference; metadata.uid makes the server refuse a recreated namesake. */
export function adoptPatch(obj: KubeObject, ref: OwnerReference): unknown {
  return { metadata: { ownerReferences: [ref], uid: obj.metadata?.uid } };
}

/** Strategic merge patch that removes the owner's reference (by its merge key, uid). */
export function releasePatch(obj: KubeObject, ownerUid: string): unknown {
  return { metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUid }], uid: obj.metadata?.uid } };
}

export function isBeingDeleted(obj: KubeObject): boolean {
  return !!obj.metadata?.deletionTimestamp;
}
