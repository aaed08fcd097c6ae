// Helpers shared by the workload controllers: controller references and adoption, expectations, pod state and
// deletion ranking, slow-start batches, the run loop, and test doubles (testing.ts, imported directly by tests).
export * from './types.js';
export * from './controller-ref.js';
export * from './claim.js';
export * from './adopt.js';
export * from './owners.js';
export * from './expectations.js';
export * from './pod-util.js';
export * from './pod-ranking.js';
export * from './slow-start.js';
export * from './objects.js';
export * from './events.js';
export * from './resources.js';
export * from './run.js';
