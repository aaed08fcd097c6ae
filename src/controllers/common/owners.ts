// Event-handler pieces every workload controller wires the same way: an owner's own events enqueue its key;
// a dependent's events enqueue the owner its controller reference names (or, for an orphan, every owner that
// could adopt it). Handlers only work out keys; reconcile does the rest.
import type { KubeObject } from '../../api/object.js';
import { keyOf, type Informer, type InformerHandlers, type WorkQueue } from '../../client/types.js';
import { controllerRefOf } from './controller-ref.js';
import { jsonEqual } from './objects.js';
import { isPodReady } from './pod-util.js';
import type { Pod } from './types.js';

/** Handlers that enqueue the object's own key on add, update and delete; `onDelete` runs first (to forget state). */
export function ownKeyHandlers<T extends KubeObject>(queue: WorkQueue, onDelete?: (o: T) => void): Required<InformerHandlers<T>> {
  const add = (o: T) => queue.add(keyOf(o));
  return {
    add,
    update: (_, o) => add(o),
    delete: (o) => {
      onDelete?.(o);
      add(o);
    },
  };
}

/**
 * Handlers for objects that select pods by label (services, budgets): a pod's change enqueues what selects it now
 * and, when its labels changed, what selected it before.
 */
export function podSelectorHandlers(enqueueFor: (p: Pod) => void): Required<InformerHandlers<Pod>> {
  return {
    add: enqueueFor,
    update: (o, n) => {
      enqueueFor(n);
      if (!jsonEqual(o.metadata?.labels, n.metadata?.labels)) enqueueFor(o);
    },
    delete: enqueueFor,
  };
}

/** The owner of this kind that obj's controller reference names, if the cache holds it with the same uid. */
export function resolveControllerRef<T extends KubeObject>(owners: Informer<T>, obj: KubeObject, kind: string): T | undefined {
  const ref = controllerRefOf(obj);
  if (!ref || ref.kind !== kind) return undefined;
  const o = owners.get(obj.metadata?.namespace, ref.name);
  return o && o.metadata?.uid === ref.uid ? o : undefined;
}

/** Enqueues every owner in obj's namespace that `selects` it: those that may adopt an orphan. */
export function enqueueSelecting<T extends KubeObject>(queue: WorkQueue, owners: Informer<T>, obj: KubeObject, selects: (owner: T) => boolean): void {
  for (const o of owners.list(obj.metadata?.namespace)) if (selects(o)) queue.add(keyOf(o));
}

/** Enqueues the owner obj's controller reference names or, for an orphan, every owner that selects it. */
export function enqueueOwner<T extends KubeObject>(queue: WorkQueue, owners: Informer<T>, kind: string, obj: KubeObject, selects: (owner: T) => boolean): void {
  if (!controllerRefOf(obj)) return enqueueSelecting(queue, owners, obj, selects);
  const o = resolveControllerRef(owners, obj, kind);
  if (o) queue.add(keyOf(o));
}

/** A pod that just became ready turns available minReadySeconds later: look at its owner again then. */
export function requeueWhenAvailable(queue: WorkQueue, owner: (KubeObject & { spec?: { minReadySeconds?: number } }) | undefined, old: Pod, pod: Pod): void {
  const minReady = owner?.spec?.minReadySeconds ?? 0;
  if (owner && minReady > 0 && !isPodReady(old) && isPodReady(pod)) queue.addAfter(keyOf(owner), minReady * 1000 + 1);
}
