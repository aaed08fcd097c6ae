// The Deployment controller.
import type { Informer } from '../../client/types.js';
import { newQueue, runController, type ControllerDeps } from '../common/run.js';
import { DeploymentController } from './controller.js';

export { DeploymentController } from './controller.js';
export { computeHash } from './hash.js';
export * as deploymentUtil from './util.js';

/** Runs until deps.signal aborts; resolves when the workers have stopped. */
export function startDeploymentController(deps: ControllerDeps): Promise<void> {
  const name = 'deployment-controller';
  const queue = newQueue(deps.clock, name);
  const c = new DeploymentController({ ...deps, logger: deps.logger.child(name), queue });
  return runController({
    name,
    deps,
    queue,
    informers: [c.deployments as Informer, c.replicaSets as Informer, c.pods as Informer],
    reconcile: (k) => c.reconcile(k),
  });
}
