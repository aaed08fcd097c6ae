// The next steps of a StatefulSet sync, as a pure function of where each ordinal stands (Kubernetes'
// StatefulSetControl.updateStatefulSet, without the I/O):
//   1. replace finished pods and create missing ones (lowest ordinal first); OrderedReady waits for each to be
//      Running and Ready before going on, Parallel does not;
//   2. remove ordinals >= replicas, highest first (OrderedReady: one at a time, only when the rest are healthy);
//   3. RollingUpdate: from the highest ordinal down to the partition, delete one pod not at the update revision
//      and wait until its replacement is healthy before the next.

export interface OrdinalState {
  ordinal: number;
  /** Revision name on the pod (controller-revision-hash). */
  revision: string;
  terminating: boolean;
  /** Succeeded or Failed: to be replaced. */
  finished: boolean;
  /** Running, Ready and available for minReadySeconds. */
  healthy: boolean;
}

export interface PlanInput {
  replicas: number;
  parallel: boolean;
  /** RollingUpdate partition; undefined for OnDelete. */
  partition: number | undefined;
  currentRevision: string;
  updateRevision: string;
  /** Existing pods by ordinal (any ordinal, including >= replicas). */
  pods: ReadonlyMap<number, OrdinalState>;
}

export type Step =
  | { op: 'create'; ordinal: number; revision: 'current' | 'update' }
  | { op: 'delete'; ordinal: number; why: 'finished' | 'condemned' | 'update' };

/** Which revision a (re)created pod of this ordinal gets: ordinals below the partition stay at the current one. */
export function revisionFor(ordinal: number, i: Pick<PlanInput, 'partition' | 'currentRevision' | 'updateRevision'>): 'current' | 'update' {
  return i.partition !== undefined && ordinal < i.partition && i.currentRevision !== i.updateRevision ? 'current' : 'update';
}

export function planSteps(i: PlanInput): Step[] {
  const steps: Step[] = [];
  const monotonic = !i.parallel;
  // 1. The replicas in order.
  for (let n = 0; n < i.replicas; n++) {
    const p = i.pods.get(n);
    if (!p) {
      steps.push({ op: 'create', ordinal: n, revision: revisionFor(n, i) });
      if (monotonic) return steps;
      continue;
    }
    if (p.finished && !p.terminating) {
      steps.push({ op: 'delete', ordinal: n, why: 'finished' });
      if (monotonic) return steps;
      continue;
    }
    if (monotonic && (p.terminating || !p.healthy)) return steps;
  }
  // 2. Condemned ordinals, highest first.
  const condemned = [...i.pods.values()].filter((p) => p.ordinal >= i.replicas).sort((a, b) => b.ordinal - a.ordinal);
  const unhealthyReplica = [...i.pods.values()].some((p) => p.ordinal < i.replicas && (!p.healthy || p.terminating));
  for (const p of condemned) {
    if (p.terminating) {
      if (monotonic) return steps;
      continue;
    }
    // OrderedReady scales down only from a healthy set, except that an unhealthy condemned pod may always go.
    if (monotonic && unhealthyReplica && p.healthy) return steps;
    steps.push({ op: 'delete', ordinal: p.ordinal, why: 'condemned' });
    if (monotonic) return steps;
  }
  if (monotonic && condemned.length > 0) return steps;
  // 3. Rolling update, highest ordinal first, one at a time.
  if (i.partition === undefined) return steps;
  for (let n = i.replicas - 1; n >= i.partition; n--) {
    const p = i.pods.get(n);
    if (!p) return steps;
    if (p.revision !== i.updateRevision && !p.terminating) {
      steps.push({ op: 'delete', ordinal: n, why: 'update' });
      return steps;
    }
    if (!p.healthy || p.terminating) return steps;
  }
  return steps;
}
