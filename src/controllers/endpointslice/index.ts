// EndpointSlices and legacy Endpoints for Services (kube-controller-manager's endpointslice and endpoints controllers).
export { EndpointSliceController, startEndpointSliceController, type EndpointSliceDeps } from './controller.js';
export { planSlices, desiredGroups, type SlicePlan } from './plan.js';
export { desiredSubsets } from './legacy-endpoints.js';
export * from './types.js';
