// The horizontal pod autoscaler controller (autoscaling/v2 Resource and ContainerResource metrics from
// metrics.k8s.io, any target with a /scale subresource).
import { runController, newQueue, type ControllerDeps } from '../common/run.js';
import type { Informer } from '../../client/types.js';
import { HpaController, type HpaTuning } from './controller.js';

export { HpaController, DEFAULT_SYNC_PERIOD_MS, milliQuantity, type HpaTuning } from './controller.js';
export * from './behavior.js';
export * from './replica-calc.js';

/** Tuning from TUG_HPA_* environment variables (seconds), until `tug server` has flags for them. */
export function hpaTuningFromEnv(env: NodeJS.ProcessEnv = process.env): HpaTuning {
  const sec = (k: string) => {
    const v = Number(env[k]);
    return env[k] !== undefined && env[k] !== '' && Number.isFinite(v) && v >= 0 ? v * 1000 : undefined;
  };
  const t: HpaTuning = {};
  const sync = sec('TUG_HPA_SYNC_PERIOD');
  if (sync) t.syncPeriodMs = sync;
  const down = sec('TUG_HPA_DOWNSCALE_STABILIZATION');
  if (down !== undefined) t.downscaleStabilizationMs = down;
  const init = sec('TUG_HPA_CPU_INITIALIZATION_PERIOD');
  if (init !== undefined) t.cpuInitializationPeriodMs = init;
  const ready = sec('TUG_HPA_INITIAL_READINESS_DELAY');
  if (ready !== undefined) t.initialReadinessDelayMs = ready;
  return t;
}

/** Runs until deps.signal aborts; resolves when the workers have stopped. Tuning defaults to Kubernetes' flags' defaults. */
export function startHpaController(deps: ControllerDeps & HpaTuning): Promise<void> {
  const name = 'horizontal-pod-autoscaler';
  const queue = newQueue(deps.clock, name);
  const c = new HpaController({ ...deps, logger: deps.logger.child(name), queue });
  return runController({ name, deps, queue, informers: [c.hpas as Informer], reconcile: (k) => c.reconcile(k) });
}
