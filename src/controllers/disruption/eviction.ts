// The PodDisruptionBudget check behind the pods/eviction subresource (Kubernetes' EvictionREST):
//   - finished, pending or already-deleting pods are evicted without looking at budgets;
//   - one matching budget at most (more is an internal error, as in Kubernetes);
//   - a not-ready pod may go when its budget is healthy anyway (unhealthyPodEvictionPolicy IfHealthyBudget, the
//     default) or always (AlwaysAllow), without spending a disruption;
//   - otherwise a disruption is spent: disruptionsAllowed - 1 and the pod noted in disruptedPods, written to the
//     budget's status before the delete, so two concurrent evictions cannot both spend the last one (a 409 on
//     that write retries the whole decision).
import { ApiError, errors } from '../../api/errors.js';
import type { PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import type { Client } from '../../client/types.js';
import { isPodReady } from '../common/pod-util.js';
import type { Pod } from '../common/types.js';
import { withAllowedCondition } from './budget.js';
import { labelSelectorMatches } from '../../api/selectors.js';
import { rfc3339, type PodDisruptionBudget } from './types.js';

/** Kubernetes refuses evictions once this many are waiting for the controller to confirm them. */
export const MAX_DISRUPTED_POD_SIZE = 2000;

export const EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

export type EvictionDecision =
  | { kind: 'allow' }
  | { kind: 'spend'; pdb: PodDisruptionBudget; status: PodDisruptionBudgetStatus }
  | { kind: 'refuse'; error: ApiError };

function tooMany(cause: string): ApiError {
  return new ApiError(429, 'TooManyRequests', EVICTION_REFUSED, { causes: [{ reason: 'DisruptionBudget', message: cause }] });
}

export function budgetsForPod(pdbs: readonly PodDisruptionBudget[], pod: Pod): PodDisruptionBudget[] {
  const ns = pod.metadata?.namespace;
  return pdbs.filter((b) => b.metadata?.namespace === ns && labelSelectorMatches(b.spec?.selector, pod.metadata?.labels));
}

export function decideEviction(pdbs: readonly PodDisruptionBudget[], pod: Pod, now: Date): EvictionDecision {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata?.deletionTimestamp) return { kind: 'allow' };
  const matching = budgetsForPod(pdbs, pod);
  if (matching.length === 0) return { kind: 'allow' };
  if (matching.length > 1) {
    return { kind: 'refuse', error: errors.internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.') };
  }
  const pdb = matching[0]!;
  const name = pdb.metadata?.name ?? '';
  const st = pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 };
  const current = (st.observedGeneration ?? 0) >= (pdb.metadata?.generation ?? 0);
  if (!isPodReady(pod)) {
    if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return { kind: 'allow' };
    if (current && st.currentHealthy >= st.desiredHealthy && st.desiredHealthy > 0) return { kind: 'allow' };
  }
  if (!current) return { kind: 'refuse', error: tooMany(`The disruption budget ${name} is still being processed by the server.`) };
  const target = { group: 'policy', resource: 'poddisruptionbudgets' };
  if (st.disruptionsAllowed < 0) return { kind: 'refuse', error: errors.forbidden(target, name, 'pdb disruptions allowed is negative') };
  if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
    return { kind: 'refuse', error: errors.forbidden(target, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller') };
  }
  if (st.disruptionsAllowed === 0) {
    return { kind: 'refuse', error: tooMany(`The disruption budget ${name} needs ${st.desiredHealthy} healthy pods and has ${st.currentHealthy} currently`) };
  }
  const status: PodDisruptionBudgetStatus = {
    ...st,
    disruptionsAllowed: st.disruptionsAllowed - 1,
    disruptedPods: { ...(st.disruptedPods ?? {}), [pod.metadata?.name ?? '']: rfc3339(now) },
  };
  if (status.disruptionsAllowed === 0) {
    status.conditions = withAllowedCondition(
      st.conditions,
      { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: st.observedGeneration },
      now,
    );
  }
  return { kind: 'spend', pdb, status };
}

const PDBS = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', namespaced: true } as const;

/**
 * The API server's checkEviction hook: reads the pod's namespace's budgets live (never a cache: a stale
 * disruptionsAllowed would let two evictions through), decides, and spends the disruption with a status update
 * guarded by resourceVersion. Throws the ApiError to send back when the eviction is refused.
 */
export function evictionChecker(client: Client, clock: { now(): Date } = { now: () => new Date() }): (pod: Pod, opts?: { dryRun?: boolean }) => Promise<void> {
  return async (pod, opts) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const list = await client.list<PodDisruptionBudget>(PDBS, pod.metadata?.namespace);
      const d = decideEviction(list.items, pod, clock.now());
      if (d.kind === 'allow') return;
      if (d.kind === 'refuse') throw d.error;
      // A dry run learns the answer but spends no disruption.
      if (opts?.dryRun) return;
      try {
        await client.update<PodDisruptionBudget>(PDBS, pod.metadata?.namespace, { ...d.pdb, apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', status: d.status }, { subresource: 'status' });
        return;
      } catch (e) {
        if ((e as ApiError).reason === 'Conflict') continue;
        throw e;
      }
    }
    throw errors.tooManyRequests(EVICTION_REFUSED, 1);
  };
}
