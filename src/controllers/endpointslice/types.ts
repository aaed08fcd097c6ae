// Narrow views of what the endpoints controllers read and write: spec/status from kubernetes-types, metadata ours.
import type { KubeObject } from '../../api/object.js';
import type { EndpointSubset, ServiceSpec } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort } from 'kubernetes-types/discovery/v1.js';

export type { Pod } from '../common/types.js';
export type { Endpoint, EndpointPort };

export interface Service extends KubeObject {
  spec?: ServiceSpec;
}

export interface EndpointSlice extends KubeObject {
  addressType: string;
  endpoints: Endpoint[];
  ports?: EndpointPort[];
}

export interface Endpoints extends KubeObject {
  subsets?: EndpointSubset[];
}

export interface Node extends KubeObject {
  status?: { addresses?: { type: string; address: string }[] };
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';
/** kube-controller-manager's --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;
