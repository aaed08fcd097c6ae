// The StatefulSet controller.
import type { Informer } from '../../client/types.js';
import { newQueue, runController, type ControllerDeps } from '../common/run.js';
import { StatefulSetController } from './controller.js';

export { StatefulSetController } from './controller.js';
export { planSteps, revisionFor, type Step, type OrdinalState } from './plan.js';
export { newPod, newClaims, claimName, podName, ordinalOf, claimOwners } from './identity.js';
export { setStatusCounts } from './status.js';

/** Runs until deps.signal aborts; resolves when the workers have stopped. */
export function startStatefulSetController(deps: ControllerDeps): Promise<void> {
  const name = 'statefulset-controller';
  const queue = newQueue(deps.clock, name);
  const c = new StatefulSetController({ ...deps, logger: deps.logger.child(name), queue });
  return runController({
    name,
    deps,
    queue,
    informers: [c.sets as Informer, c.pods as Informer, c.claims as Informer, c.revisions as Informer],
    reconcile: (k) => c.reconcile(k),
  });
}
