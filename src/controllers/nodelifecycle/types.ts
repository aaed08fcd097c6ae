// Narrow views of nodes and pods, and the taint keys the node lifecycle controller manages.
import type { KubeObject } from '../../api/object.js';
import type { NodeSpec, NodeStatus, Taint, Toleration } from 'kubernetes-types/core/v1.js';

export type { Taint, Toleration };

export interface Node extends KubeObject {
  spec?: NodeSpec;
  status?: NodeStatus;
}

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
