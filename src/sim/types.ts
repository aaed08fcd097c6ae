// Narrow views of what simulated nodes read and write.
import type { KubeObject } from '../api/object.js';
import type { NodeSpec, NodeStatus, PodSpec, PodStatus } from 'kubernetes-types/core/v1.js';

export interface Pod extends KubeObject {
  spec?: PodSpec;
  status?: PodStatus;
}

export interface Node extends KubeObject {
  spec?: NodeSpec;
  status?: NodeStatus;
}

/** metav1.Time: RFC 3339 in whole seconds. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime (Lease renewTime): RFC 3339 with microseconds. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
