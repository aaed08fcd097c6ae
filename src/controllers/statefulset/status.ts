// StatefulSet status from its pods (Kubernetes' computeReplicaStatus plus completeRollingUpdate), pure.
import { isPodAvailable, isPodReady } from '../common/pod-util.js';
import type { Pod } from '../common/types.js';
import { REVISION_HASH_LABEL } from '../history/revision.js';

export interface SetStatusInput {
  pods: readonly Pod[];
  specReplicas: number;
  rollingUpdate: boolean;
  minReadySeconds: number;
  currentRevision: string;
  updateRevision: string;
  now: Date;
}

export interface SetStatusCounts {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
  currentRevision: string;
  updateRevision: string;
}

export const isRunningAndReady = (p: Pod): boolean => p.status?.phase === 'Running' && isPodReady(p);

export function setStatusCounts(i: SetStatusInput): SetStatusCounts {
  const s: SetStatusCounts = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0, currentRevision: i.currentRevision, updateRevision: i.updateRevision };
  for (const p of i.pods) {
    s.replicas++;
    if (isRunningAndReady(p)) {
      s.readyReplicas++;
      if (isPodAvailable(p, i.minReadySeconds, i.now)) s.availableReplicas++;
    }
    if (p.metadata?.deletionTimestamp) continue;
    const rev = p.metadata?.labels?.[REVISION_HASH_LABEL];
    if (rev === i.currentRevision) s.currentReplicas++;
    if (rev === i.updateRevision) s.updatedReplicas++;
  }
  // A finished rolling update makes the update revision the current one.
  if (i.rollingUpdate && s.updatedReplicas === i.specReplicas && s.replicas === i.specReplicas && s.readyReplicas === i.specReplicas) {
    s.currentRevision = i.updateRevision;
    s.currentReplicas = s.updatedReplicas;
  }
  return s;
}
