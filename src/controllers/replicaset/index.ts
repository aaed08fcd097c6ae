// The ReplicaSet and ReplicationController controllers (one implementation, two kinds).
import { startReconciler, type ControllerDeps } from '../common/run.js';
import type { Informer } from '../../client/types.js';
import { ReplicaController } from './controller.js';
import { replicaSetKind, replicationControllerKind, type ReplicaKind } from './kinds.js';

export { ReplicaController, BURST_REPLICAS } from './controller.js';
export { replicaSetKind, replicationControllerKind, type ReplicaKind } from './kinds.js';
export { calculateStatus } from './status.js';

function start(kind: ReplicaKind, name: string, deps: ControllerDeps): Promise<void> {
  return startReconciler(name, deps, (d) => {
    const c = new ReplicaController(kind, d);
    return { informers: [c.owners, c.pods] as Informer[], reconcile: (k) => c.reconcile(k) };
  });
}

/** Runs until deps.signal aborts; resolves when the workers have stopped. */
export function startReplicaSetController(deps: ControllerDeps): Promise<void> {
  return start(replicaSetKind, 'replicaset-controller', deps);
}

export function startReplicationControllerController(deps: ControllerDeps): Promise<void> {
  return start(replicationControllerKind, 'replicationcontroller-controller', deps);
}
