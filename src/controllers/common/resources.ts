// The resources these controllers speak.
import type { ResourceRef } from '../../client/types.js';

export const podsRef: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
export const replicaSetsRef: ResourceRef = { group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true };
export const replicationControllersRef: ResourceRef = { group: '', version: 'v1', resource: 'replicationcontrollers', namespaced: true };
export const deploymentsRef: ResourceRef = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true };
