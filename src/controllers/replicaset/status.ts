// ReplicaSet / ReplicationController status from the pods they own (pure).
import { isPodAvailable, isPodReady } from '../common/pod-util.js';
import type { Condition, Pod } from '../common/types.js';

export interface ReplicaStatus {
  replicas: number;
  fullyLabeledReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface StatusInput {
  /** Active pods the controller owns. */
  pods: readonly Pod[];
  templateLabels: Record<string, string>;
  minReadySeconds: number;
  generation?: number;
  oldConditions?: readonly Condition[];
  /** The error from creating or deleting pods in this sync, and which way it went. */
  manageError?: { message: string; creating: boolean };
  now: Date;
}

export function calculateStatus(i: StatusInput): ReplicaStatus {
  let fully = 0;
  let ready = 0;
  let available = 0;
  for (const p of i.pods) {
    const labels = p.metadata?.labels ?? {};
    if (Object.entries(i.templateLabels).every(([k, v]) => labels[k] === v)) fully++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, i.minReadySeconds, i.now)) available++;
    }
  }
  // ReplicaFailure appears on the first failed sync and goes on the first clean one.
  let conditions = [...(i.oldConditions ?? [])];
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (i.manageError && !failure) {
    conditions.push({
      type: 'ReplicaFailure',
      status: 'True',
      reason: i.manageError.creating ? 'FailedCreate' : 'FailedDelete',
      message: i.manageError.message,
      lastTransitionTime: i.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  } else if (!i.manageError && failure) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  const s: ReplicaStatus = { replicas: i.pods.length, fullyLabeledReplicas: fully, readyReplicas: ready, availableReplicas: available };
  if (i.generation !== undefined) s.observedGeneration = i.generation;
  if (conditions.length > 0) s.conditions = conditions;
  return s;
}

/** Kubernetes leaves zero counts out of the stored status; compare with that in mind. */
export function statusEqual(a: object | undefined, b: ReplicaStatus): boolean {
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  const x = (a ?? {}) as Record<string, unknown>;
  return (
    n(x.replicas) === b.replicas &&
    n(x.fullyLabeledReplicas) === b.fullyLabeledReplicas &&
    n(x.readyReplicas) === b.readyReplicas &&
    n(x.availableReplicas) === b.availableReplicas &&
    x.observedGeneration === b.observedGeneration &&
    JSON.stringify(x.conditions ?? []) === JSON.stringify(b.conditions ?? [])
  );
}
