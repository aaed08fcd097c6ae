// The Deployment controller.
import type { Informer } from '../../client/types.js';
import { startReconciler, type ControllerDeps } from '../common/run.js';
import { DeploymentController } from './controller.js';

export { DeploymentController } from './controller.js';
export { computeHash } from './hash.js';
export * as deploymentUtil from './util.js';

/** Runs until deps.signal aborts; resolves when the workers have stopped. */
export function startDeploymentController(deps: ControllerDeps): Promise<void> {
  return startReconciler('deployment-controller', deps, (d) => {
    const c = new DeploymentController(d);
    return { informers: [c.deployments, c.replicaSets, c.pods] as Informer[], reconcile: (k) => c.reconcile(k) };
  });
}
