// Recreate (pkg/controller/deployment/recreate.go): scale every old replica set to 0, wait until no old pod is
// left (terminal ones aside), and only then create and scale up the new replica set: old and new never run
// together.
import type { Pod, ReplicaSet } from '../common/types.js';
import type { Sync } from './context.js';
import { syncRolloutStatus } from './progress.js';
import { replaceIn } from './rolling.js';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, scaleAndRecord } from './sync.js';
import { activeReplicaSets, actualReplicas, calculateStatus, deploymentComplete, replicasOf } from './util.js';

export async function rolloutRecreate(s: Sync): Promise<void> {
  // No new replica set yet: creating it now would scale up before the old ones are down.
  let { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(s, false);
  const all = () => [...oldRSs, newRS];

  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) {
    const r = await scaleAndRecord(s, rs, 0);
    replaceIn(oldRSs, r.rs);
    scaledDown ||= r.scaled;
  }
  if (scaledDown) return syncRolloutStatus(s, all(), newRS);
  if (oldPodsRunning(newRS, oldRSs, s.podMap)) return syncRolloutStatus(s, all(), newRS);

  if (!newRS) ({ newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(s, true));
  if (newRS) newRS = (await scaleAndRecord(s, newRS, replicasOf(s.d))).rs;
  if (deploymentComplete(s.d, calculateStatus(all(), newRS, s.d, s.deps.clock.now()))) await cleanupDeployment(s, oldRSs);
  return syncRolloutStatus(s, all(), newRS);
}

/** Old replica sets still report pods, or a pod of theirs is not finished (Unknown counts: it may be running). */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], podMap: Map<string, Pod[]>): boolean {
  if (actualReplicas(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata?.uid === uid) continue;
    if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
  }
  return false;
}
