// The StatefulSet controller.
import type { Informer } from '../../client/types.js';
import { startReconciler, type ControllerDeps } from '../common/run.js';
import { StatefulSetController } from './controller.js';

export { StatefulSetController } from './controller.js';
export { planSteps, revisionFor, type Step, type OrdinalState } from './plan.js';
export { newPod, newClaims, claimName, podName, ordinalOf, claimOwners } from './identity.js';
export { setStatusCounts } from './status.js';

/** Runs until deps.signal aborts; resolves when the workers have stopped. */
export function startStatefulSetController(deps: ControllerDeps): Promise<void> {
  return startReconciler('statefulset-controller', deps, (d) => {
    const c = new StatefulSetController(d);
    return { informers: [c.sets, c.pods, c.claims, c.revisions] as Informer[], reconcile: (k) => c.reconcile(k) };
  });
}
