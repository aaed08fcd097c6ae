// Small groups with one or two types each: scheduling, coordination, discovery, events.k8s.io.
import type { ResourceInfo } from '../resource.js';
import { resource } from './define.js';

export const schedulingResources: readonly ResourceInfo[] = [
  resource({ group: 'node.k8s.io', versions: ['v1'], kind: 'RuntimeClass', plural: 'runtimeclasses', namespaced: false }),
  resource({ group: 'scheduling.k8s.io', versions: ['v1'], kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false, shortNames: ['pc'] }),
];

export const coordinationResources: readonly ResourceInfo[] = [
  resource({ group: 'coordination.k8s.io', versions: ['v1'], kind: 'Lease', plural: 'leases', namespaced: true }),
];

export const discoveryResources: readonly ResourceInfo[] = [
  resource({ group: 'discovery.k8s.io', versions: ['v1'], kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true }),
];

/** events.k8s.io/v1 Event is the same stored object as core v1 Event, with renamed fields. */
export const eventsResources: readonly ResourceInfo[] = [
  resource({ group: 'events.k8s.io', versions: ['v1'], kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] }),
];
