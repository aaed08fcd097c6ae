// Defaulting of built-in types, as Kubernetes' pkg/apis/*/v1/defaults.go does it, so stored objects read
// back the way kubectl shows them from a real cluster.
import type { KubeObject } from '../object.js';
import type { ResourceInfo } from '../resource.js';
import * as core from './core.js';
import * as others from './others.js';
import { defaultPod, defaultPodTemplate } from './pod.js';
import * as workloads from './workloads.js';

type Obj = Record<string, unknown>;
type Defaulter = (o: Obj) => void;

const defaulters: Record<string, Defaulter> = {
  '/Pod': defaultPod,
  '/PodTemplate': (o) => defaultPodTemplate(o.template),
  '/Service': core.defaultService,
  '/Secret': core.defaultSecret,
  '/Namespace': core.defaultNamespace,
  '/PersistentVolumeClaim': core.defaultPersistentVolumeClaim,
  '/PersistentVolume': core.defaultPersistentVolume,
  '/ReplicationController': (o) => {
    core.defaultReplicationController(o);
    defaultPodTemplate((o.spec as Obj | undefined)?.template);
  },
  '/Endpoints': core.defaultEndpoints,
  '/ResourceQuota': core.defaultResourceQuota,
  '/LimitRange': core.defaultLimitRange,
  'apps/Deployment': workloads.defaultDeployment,
  'apps/ReplicaSet': workloads.defaultReplicaSet,
  'apps/DaemonSet': workloads.defaultDaemonSet,
  'apps/StatefulSet': workloads.defaultStatefulSet,
  'batch/Job': workloads.defaultJob,
  'batch/CronJob': workloads.defaultCronJob,
  'networking.k8s.io/NetworkPolicy': others.defaultNetworkPolicy,
  'networking.k8s.io/Ingress': others.defaultIngress,
  'autoscaling/HorizontalPodAutoscaler': others.defaultHorizontalPodAutoscaler,
  'rbac.authorization.k8s.io/RoleBinding': others.defaultBinding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': others.defaultBinding,
  'storage.k8s.io/StorageClass': others.defaultStorageClass,
  'scheduling.k8s.io/PriorityClass': others.defaultPriorityClass,
  'discovery.k8s.io/EndpointSlice': core.defaultEndpointSlice,
};

/** Fill in the fields Kubernetes defaults (in place). */
export function applyDefaults(info: ResourceInfo, obj: KubeObject): void {
  defaulters[`${info.group}/${info.kind}`]?.(obj as Obj);
}

export { imageTag } from './pod.js';
export { generateJobSelector } from './workloads.js';
