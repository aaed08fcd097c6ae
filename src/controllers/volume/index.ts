// The persistent volume controller and the built-in local-path provisioner.
import type { Informer } from '../../client/types.js';
import { newQueue, runController, type ControllerDeps } from '../common/run.js';
import { VolumeController } from './controller.js';

export { VolumeController } from './controller.js';
export { findBestVolume, mismatch, volumeFitsNode, claimClass } from './matching.js';
export { localPathClass, localPathVolume, provisionedName } from './provision.js';
export * from './types.js';

/**
 * Creates the `local-path` StorageClass when absent, then runs until deps.signal aborts. dataDir is the server's
 * data directory (volumes go under <dataDir>/storage/<pv-name>).
 */
export async function startVolumeController(deps: ControllerDeps & { dataDir: string; removeDirectory?: (path: string, node: string | undefined) => Promise<void> }): Promise<void> {
  const name = 'persistentvolume-controller';
  const queue = newQueue(deps.clock, name);
  const c = new VolumeController({ ...deps, logger: deps.logger.child(name), queue });
  // Retry the class creation until the API answers (the server may still be starting).
  for (let attempt = 0; !deps.signal.aborted; attempt++) {
    try {
      await c.ensureStorageClass();
      break;
    } catch (e) {
      deps.logger.child(name).warn('storage class not created yet', { err: e instanceof Error ? e.message : String(e) });
      await deps.clock.sleep(Math.min(1000 * 2 ** attempt, 30_000), deps.signal).catch(() => undefined);
    }
  }
  return runController({
    name,
    deps,
    queue,
    informers: [c.volumes as Informer, c.claims as Informer, c.classes as Informer, c.pods as Informer, c.nodes],
    reconcile: (k) => c.reconcile(k),
  });
}
