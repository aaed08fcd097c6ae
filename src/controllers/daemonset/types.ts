// The objects the DaemonSet controller reads and writes.
import type { DaemonSetSpec, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { NodeSpec, NodeStatus } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';

export interface DaemonSet extends KubeObject {
  spec?: DaemonSetSpec;
  status?: DaemonSetStatus;
}

export interface Node extends KubeObject {
  spec?: NodeSpec;
  status?: NodeStatus;
}

export const DS_API_VERSION = 'apps/v1';
export const DS_KIND = 'DaemonSet';
/** The deprecated label Kubernetes still puts on daemon pods: the DaemonSet's generation when it made them. */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
