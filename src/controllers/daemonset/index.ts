// The DaemonSet controller.
import type { Informer } from '../../client/types.js';
import { newQueue, runController, type ControllerDeps } from '../common/run.js';
import { DaemonSetController } from './controller.js';

export { DaemonSetController, groupByNode } from './controller.js';
export { daemonTolerations, nodeShouldRunDaemon, pinToNode, targetNodeName } from './eligibility.js';
export { managePlan, rollingPlan, surgeAndUnavailable } from './plan.js';
export { daemonStatusCounts } from './status.js';

/** Runs until deps.signal aborts; resolves when the workers have stopped. */
export function startDaemonSetController(deps: ControllerDeps): Promise<void> {
  const name = 'daemonset-controller';
  const queue = newQueue(deps.clock, name);
  const c = new DaemonSetController({ ...deps, logger: deps.logger.child(name), queue });
  return runController({
    name,
    deps,
    queue,
    informers: [c.daemonSets as Informer, c.pods as Informer, c.nodes as Informer, c.revisions as Informer],
    reconcile: (k) => c.reconcile(k),
  });
}
