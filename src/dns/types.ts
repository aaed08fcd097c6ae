// Narrow views of the objects cluster DNS reads (spec/status from kubernetes-types, metadata ours).
import type { KubeObject } from '../api/object.js';
import type { PodSpec, PodStatus, ServiceSpec } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort } from 'kubernetes-types/discovery/v1.js';

export interface Service extends KubeObject {
  spec?: ServiceSpec;
}

export interface Pod extends KubeObject {
  spec?: PodSpec;
  status?: PodStatus;
}

export interface EndpointSlice extends KubeObject {
  addressType: string;
  endpoints: Endpoint[];
  ports?: EndpointPort[];
}

export type { Endpoint, EndpointPort };

/** What the resolver asks of the cluster (informer caches in the server, plain maps in tests). */
export interface ClusterView {
  service(namespace: string, name: string): Service | undefined;
  /** EndpointSlices labelled kubernetes.io/service-name=<name>. */
  slices(namespace: string, service: string): EndpointSlice[];
  hasNamespace(namespace: string): boolean;
  servicesByIP(ip: string): Service[];
  /** Slices holding an endpoint with this address. */
  slicesByIP(ip: string): EndpointSlice[];
  podsByIP(ip: string): Pod[];
}
