// PodDisruptionBudgets: the status controller and the eviction check the API server calls.
export { DisruptionController, startDisruptionController, type DisruptionDeps, PDB_REF } from './controller.js';
export { evictionChecker, decideEviction, budgetsForPod, EVICTION_REFUSED, type EvictionDecision } from './eviction.js';
export { computeBudgetStatus, expectedAndDesired, needsControllerScale, scaledValue } from './budget.js';
export { labelSelectorMatches as selectorMatches } from '../../api/selectors.js';
export type { PodDisruptionBudget } from './types.js';
