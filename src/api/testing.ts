// Test fixtures for api/ tests.
import type { ResourceInfo } from './resource.js';

/** A minimal ResourceInfo for a kind (plural and singular derived naively), as validation and defaulting read it. */
export const testResourceInfo = (group: string, kind: string, namespaced = true): ResourceInfo => ({
  group,
  versions: ['v1'],
  kind,
  listKind: `${kind}List`,
  plural: `${kind.toLowerCase()}s`,
  singular: kind.toLowerCase(),
  namespaced,
  verbs: ['create'],
});
