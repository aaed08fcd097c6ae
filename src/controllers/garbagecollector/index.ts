// The garbage collector: ownerReferences, background, foreground and orphan deletion.
export { GarbageCollector, startGarbageCollector, type GarbageCollectorDeps, GC_RESOURCES } from './controller.js';
export { decide, blockingDependents, type Decision, type OwnerState } from './decide.js';
export { resolveKind, kindOf } from './kinds.js';
