// Narrow views of the objects the disruption controller reads and writes.
import type { KubeObject } from '../../api/object.js';
import type { PodDisruptionBudgetSpec, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';

export interface PodDisruptionBudget extends KubeObject {
  spec?: PodDisruptionBudgetSpec;
  status?: PodDisruptionBudgetStatus;
}

/** metav1.Time: RFC 3339 in whole seconds, as Kubernetes serialises it. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
