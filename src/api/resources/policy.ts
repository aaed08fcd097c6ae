// policy/v1: disruption budgets (evictions are a pods subresource that speaks policy/v1 Eviction).
import type { ResourceInfo } from '../resource.js';
import { resource, status } from './define.js';

export const policyResources: readonly ResourceInfo[] = [
  resource({
    group: 'policy', versions: ['v1'], kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true,
    shortNames: ['pdb'], subresources: [status('PodDisruptionBudget')],
  }),
];
