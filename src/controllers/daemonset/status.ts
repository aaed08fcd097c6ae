// DaemonSet status from nodes and the pods on them (Kubernetes' updateDaemonSetStatus), pure.
import { byCreation } from '../common/objects.js';
import { isPodAvailable, isPodReady } from '../common/pod-util.js';
import type { Pod } from '../common/types.js';
import { eligibility, isUpdated } from './plan.js';
import type { DaemonSet, Node } from './types.js';

export interface DaemonStatusCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  numberAvailable: number;
  numberUnavailable: number;
  updatedNumberScheduled: number;
}

export function daemonStatusCounts(ds: DaemonSet, nodes: readonly Node[], byNode: ReadonlyMap<string, Pod[]>, hash: string, now: Date): DaemonStatusCounts {
  const c: DaemonStatusCounts = {
    desiredNumberScheduled: 0,
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
    numberAvailable: 0,
    numberUnavailable: 0,
    updatedNumberScheduled: 0,
  };
  const minReady = ds.spec?.minReadySeconds ?? 0;
  for (const [name, e] of eligibility(ds, nodes)) {
    const pods = (byNode.get(name) ?? []).filter((p) => !p.metadata?.deletionTimestamp).sort(byCreation);
    const scheduled = pods.length > 0;
    if (e.shouldRun) {
      c.desiredNumberScheduled++;
      if (!scheduled) continue;
      c.currentNumberScheduled++;
      // The oldest pod speaks for the node.
      const p = pods[0]!;
      if (isPodReady(p)) {
        c.numberReady++;
        if (isPodAvailable(p, minReady, now)) c.numberAvailable++;
      }
      if (pods.some((x) => isUpdated(x, hash))) c.updatedNumberScheduled++;
    } else if (scheduled) c.numberMisscheduled++;
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}
