// The two PriorityClasses every cluster has from the start (kube-apiserver's
// scheduling/bootstrap-system-priority-classes hook), so system-node-critical and system-cluster-critical pods
// are admitted on a fresh cluster. Made when missing, never overwritten.
import { randomUUID } from 'node:crypto';
import type { Store } from '../../store/types.js';
import { isStoreError } from '../../store/types.js';
import { timestamp } from '../object-meta.js';

/** scheduling.SystemCriticalPriority: user classes may not go above one billion; these two sit above it. */
const SYSTEM_CRITICAL = 2_000_000_000;

export const SYSTEM_PRIORITY_CLASSES = [
  { name: 'system-node-critical', value: SYSTEM_CRITICAL + 1000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: SYSTEM_CRITICAL, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
] as const;

export async function ensureSystemPriorityClasses(store: Store, now: Date, prefix = '/registry/priorityclasses/'): Promise<void> {
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    const obj = {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: pc.name, uid: randomUUID(), creationTimestamp: timestamp(now) },
      value: pc.value,
      description: pc.description,
      preemptionPolicy: 'PreemptLowerPriority',
    };
    try {
      await store.create(`${prefix}${pc.name}`, JSON.stringify(obj));
    } catch (e) {
      if (!isStoreError(e, 'AlreadyExists')) throw e;
    }
  }
}
