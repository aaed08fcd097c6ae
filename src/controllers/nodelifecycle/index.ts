// Node health: Unknown after silence, not-ready/unreachable taints, NoExecute evictions.
export { NodeLifecycleController, startNodeLifecycleController, type NodeLifecycleDeps } from './controller.js';
export { markUnknown, readyStatus, reconcileTaints, wantedTaints } from './health.js';
export { evictionAt, tolerates } from './eviction-time.js';
export { TAINT_NOT_READY, TAINT_UNREACHABLE } from './types.js';
