// Narrow views of the objects these controllers read and write. Spec and status come from kubernetes-types;
// metadata stays ours (KubeObject) so the objects pass straight through the Client.
import type { KubeObject } from '../../api/object.js';
import type { DeploymentSpec, DeploymentStatus, ReplicaSetSpec, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PodSpec, PodStatus, PodTemplateSpec, ReplicationControllerSpec, ReplicationControllerStatus } from 'kubernetes-types/core/v1.js';

export type { PodTemplateSpec };

export interface Pod extends KubeObject {
  spec?: PodSpec;
  status?: PodStatus;
}

export interface ReplicaSet extends KubeObject {
  spec?: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}

export interface ReplicationController extends KubeObject {
  spec?: ReplicationControllerSpec;
  status?: ReplicationControllerStatus;
}

export interface Deployment extends KubeObject {
  spec?: DeploymentSpec;
  status?: DeploymentStatus;
}

/** A condition as every workload status carries them. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
}
