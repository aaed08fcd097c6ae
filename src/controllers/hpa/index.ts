// The horizontal pod autoscaler controller (autoscaling/v2 Resource and ContainerResource metrics from
// metrics.k8s.io, any target with a /scale subresource).
import { runController, newQueue, type ControllerDeps } from '../common/run.js';
import type { Informer } from '../../client/types.js';
import { HpaController, type HpaTuning } from './controller.js';

export { HpaController, DEFAULT_SYNC_PERIOD_MS, milliQuantity, type HpaTuning } from './controller.js';
export * from './behavior.js';
export * from './replica-calc.js';


/** Runs until deps.signal aborts; resolves when the workers have stopped. Tuning defaults to Kubernetes' flags' defaults. */
export function startHpaController(deps: ControllerDeps & HpaTuning): Promise<void> {
  const name = 'horizontal-pod-autoscaler';
  const queue = newQueue(deps.clock, name);
  const c = new HpaController({ ...deps, logger: deps.logger.child(name), queue });
  return runController({ name, deps, queue, informers: [c.hpas as Informer], reconcile: (k) => c.reconcile(k) });
}
