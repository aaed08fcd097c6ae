// Rollout progress (pkg/controller/deployment/progress.go): the Progressing condition that `kubectl rollout
// status` reads (NewReplicaSetAvailable when done, ReplicaSetUpdated while pods move, ProgressDeadlineExceeded
// when nothing moved for progressDeadlineSeconds), replica set failures lifted into the deployment, and a
// requeue at the deadline so a stuck rollout times out without any event.
import type { Condition, ReplicaSet } from '../common/types.js';
import { statusEqual, toStoredStatus, updateStatus, type Sync } from './context.js';
import {
  calculateStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  hasProgressDeadline,
  newCondition,
  reasons,
  removeCondition,
  setCondition,
  type DeploymentStatusShape,
} from './util.js';

export async function syncRolloutStatus(s: Sync, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
  const { d } = s;
  const now = s.deps.clock.now();
  const st = calculateStatus(allRSs, newRS, d, now);
  let conds = st.conditions ?? [];
  if (!hasProgressDeadline(d)) conds = removeCondition(conds, 'Progressing');
  const current = getCondition(d.status?.conditions as Condition[], 'Progressing');
  const complete = st.replicas === st.updatedReplicas && current?.reason === reasons.newRSAvailable;
  if (hasProgressDeadline(d) && !complete) {
    const name = d.metadata?.name ?? '';
    const what = newRS ? `ReplicaSet "${newRS.metadata?.name ?? ''}"` : `Deployment "${name}"`;
    st.conditions = conds;
    if (deploymentComplete(d, st)) {
      conds = setCondition(conds, newCondition('Progressing', 'True', reasons.newRSAvailable, `${what} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, st)) {
      // Unlike other conditions, progress refreshes lastUpdateTime even with the same reason: the deadline
      // counts from the last progress seen.
      const c = newCondition('Progressing', 'True', reasons.replicaSetUpdated, `${what} is progressing.`, now);
      if (current?.status === 'True' && current.lastTransitionTime) c.lastTransitionTime = current.lastTransitionTime;
      conds = [...removeCondition(conds, 'Progressing'), c];
    } else if (deploymentTimedOut(d, st, now)) {
      conds = setCondition(conds, newCondition('Progressing', 'False', reasons.timedOut, `${what} has timed out progressing.`, now));
    }
  }
  const failure = replicaFailure(allRSs, newRS);
  conds = failure ? setCondition(conds, failure) : removeCondition(conds, 'ReplicaFailure');
  st.conditions = conds;

  const stored = toStoredStatus(st);
  if (statusEqual(d.status, stored)) {
    requeueStuck(s, st);
    return;
  }
  s.d.status = stored as never;
  await updateStatus(s);
}

/** The new replica set's ReplicaFailure condition, else any old one's. */
function replicaFailure(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Condition | undefined {
  const find = (rs: ReplicaSet | undefined) => (rs?.status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'ReplicaFailure');
  const c = find(newRS) ?? allRSs.map(find).find((x) => x !== undefined);
  return c && { type: 'ReplicaFailure', status: c.status, reason: c.reason, message: c.message, lastTransitionTime: c.lastTransitionTime, lastUpdateTime: c.lastTransitionTime };
}

/**
 * Nothing changed, but the rollout may be stuck: look again when the deadline passes. Example: Progressing last
 * updated 3 minutes ago, deadline 10 minutes -> look again in 7 minutes (plus a second).
 */
function requeueStuck(s: Sync, st: DeploymentStatusShape): void {
  const cur = getCondition(s.d.status?.conditions as Condition[], 'Progressing');
  if (!hasProgressDeadline(s.d) || !cur) return;
  if (deploymentComplete(s.d, st) || cur.reason === reasons.timedOut) return;
  const from = Date.parse(cur.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return;
  const after = from + (s.d.spec?.progressDeadlineSeconds ?? 0) * 1000 - s.deps.clock.now().getTime();
  if (after < 1000) s.deps.queue.addRateLimited(s.key);
  else s.deps.queue.addAfter(s.key, after + 1000);
}
