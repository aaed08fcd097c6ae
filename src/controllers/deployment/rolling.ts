// RollingUpdate (pkg/controller/deployment/rolling.go): each sync either grows the new replica set within
// replicas + maxSurge, or shrinks old ones while keeping replicas - maxUnavailable available, never both, then
// syncs status. Once complete, old replica sets beyond revisionHistoryLimit go.
import type { ReplicaSet } from '../common/types.js';
import type { Sync } from './context.js';
import { syncRolloutStatus } from './progress.js';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, scaleAndRecord } from './sync.js';
import { activeReplicaSets, calculateStatus, deploymentComplete, newRSNewReplicas, planOldScaleDown, replicasOf } from './util.js';

export async function rolloutRolling(s: Sync): Promise<void> {
  const got = await getAllReplicaSetsAndSyncRevision(s, true);
  let newRS = got.newRS!;
  const oldRSs = got.oldRSs;
  const all = () => [...oldRSs, newRS];

  // Scale up, if we can.
  const want = replicasOf(s.d);
  const cur = newRS.spec?.replicas ?? 0;
  if (cur !== want) {
    const size = cur > want ? want : newRSNewReplicas(s.d, all(), newRS);
    const r = await scaleAndRecord(s, newRS, size);
    newRS = r.rs;
    if (r.scaled) return syncRolloutStatus(s, all(), newRS);
  }

  // Scale down, if we can.
  let scaledDown = false;
  for (const { rs, to } of planOldScaleDown(s.d, newRS, activeReplicaSets(oldRSs))) {
    const r = await scaleAndRecord(s, rs, to);
    replaceIn(oldRSs, r.rs);
    scaledDown ||= r.scaled;
  }
  if (scaledDown) return syncRolloutStatus(s, all(), newRS);

  if (deploymentComplete(s.d, calculateStatus(all(), newRS, s.d, s.deps.clock.now()))) await cleanupDeployment(s, oldRSs);
  return syncRolloutStatus(s, all(), newRS);
}

export function replaceIn(list: ReplicaSet[], rs: ReplicaSet): void {
  const i = list.findIndex((x) => x.metadata?.uid === rs.metadata?.uid);
  if (i >= 0) list[i] = rs;
}
