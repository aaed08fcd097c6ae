// The DaemonSet controller.
import type { Informer } from '../../client/types.js';
import { startReconciler, type ControllerDeps } from '../common/run.js';
import { DaemonSetController } from './controller.js';

export { DaemonSetController, groupByNode } from './controller.js';
export { daemonTolerations, nodeShouldRunDaemon, pinToNode, targetNodeName } from './eligibility.js';
export { managePlan, rollingPlan, surgeAndUnavailable } from './plan.js';
export { daemonStatusCounts } from './status.js';

/** Runs until deps.signal aborts; resolves when the workers have stopped. */
export function startDaemonSetController(deps: ControllerDeps): Promise<void> {
  return startReconciler('daemonset-controller', deps, (d) => {
    const c = new DaemonSetController(d);
    return { informers: [c.daemonSets, c.pods, c.nodes, c.revisions] as Informer[], reconcile: (k) => c.reconcile(k) };
  });
}
