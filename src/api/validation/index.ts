// Validation of built-in types: metadata rules for every object, then the rules of its group and kind.
// Field paths and messages follow Kubernetes exactly, because kubectl prints them verbatim.
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import type { ResourceInfo } from '../resource.js';
import * as apps from './apps.js';
import { validateHorizontalPodAutoscaler } from './autoscaling.js';
import * as batch from './batch.js';
import * as core from './core.js';
import { validateEndpoints, validateEndpointSlice } from './discovery.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, nameIsPathSegment, type NameFn } from './names.js';
import * as networking from './networking.js';
import { validateRuntimeClass, validateRuntimeClassUpdate } from './node.js';
import { validatePodDisruptionBudget } from './policy.js';
import * as rbac from './rbac.js';
import * as storage from './storage.js';

interface TypeRules {
  name?: NameFn;
  /** Rules for the object itself; `old` is given on update. */
  validate?: (o: KubeObject, old?: KubeObject) => FieldError[];
  /** Extra rules comparing an update with the stored object (immutable fields). */
  update?: (o: KubeObject, old: KubeObject) => FieldError[];
}

const rules: Record<string, TypeRules> = {
  // core
  '/Pod': { validate: core.validatePod, update: core.validatePodUpdate },
  '/Service': { name: nameIsDNS1035Label, validate: core.validateService, update: core.validateServiceUpdate },
  '/ConfigMap': { validate: core.validateConfigMap, update: core.validateConfigMapUpdate },
  '/Secret': { validate: core.validateSecret, update: core.validateSecretUpdate },
  '/Namespace': { name: nameIsDNSLabel, validate: core.validateNamespace },
  '/Node': { validate: core.validateNode, update: core.validateNodeUpdate },
  '/PersistentVolume': { validate: core.validatePersistentVolume, update: core.validatePersistentVolumeUpdate },
  '/PersistentVolumeClaim': { validate: core.validatePersistentVolumeClaim, update: core.validatePersistentVolumeClaimUpdate },
  '/ServiceAccount': {},
  '/ReplicationController': { validate: core.validateReplicationController },
  '/PodTemplate': { validate: core.validatePodTemplate },
  '/ResourceQuota': { validate: core.validateResourceQuota },
  '/LimitRange': { validate: core.validateLimitRange },
  '/Endpoints': { validate: validateEndpoints },
  // apps
  'apps/Deployment': { validate: apps.validateDeployment, update: apps.validateDeploymentUpdate },
  'apps/ReplicaSet': { validate: apps.validateReplicaSet, update: apps.validateReplicaSetUpdate },
  'apps/DaemonSet': { validate: apps.validateDaemonSet, update: apps.validateDaemonSetUpdate },
  'apps/StatefulSet': { validate: apps.validateStatefulSet, update: apps.validateStatefulSetUpdate },
  // batch
  'batch/Job': { validate: batch.validateJob, update: batch.validateJobUpdate },
  'batch/CronJob': { validate: batch.validateCronJob },
  // networking
  'networking.k8s.io/Ingress': { validate: networking.validateIngress },
  'networking.k8s.io/IngressClass': { validate: networking.validateIngressClass, update: networking.validateIngressClassUpdate },
  'networking.k8s.io/NetworkPolicy': { validate: networking.validateNetworkPolicy },
  // others
  'node.k8s.io/RuntimeClass': { validate: validateRuntimeClass, update: validateRuntimeClassUpdate },
  'autoscaling/HorizontalPodAutoscaler': { validate: validateHorizontalPodAutoscaler },
  'policy/PodDisruptionBudget': { validate: validatePodDisruptionBudget },
  'rbac.authorization.k8s.io/Role': { name: nameIsPathSegment, validate: rbac.validateRole },
  'rbac.authorization.k8s.io/ClusterRole': { name: nameIsPathSegment, validate: rbac.validateClusterRole },
  'rbac.authorization.k8s.io/RoleBinding': { name: nameIsPathSegment, validate: rbac.validateRoleBinding, update: rbac.validateRoleRefUpdate },
  'rbac.authorization.k8s.io/ClusterRoleBinding': {
    name: nameIsPathSegment,
    validate: rbac.validateClusterRoleBinding,
    update: rbac.validateRoleRefUpdate,
  },
  'storage.k8s.io/StorageClass': { validate: storage.validateStorageClass, update: storage.validateStorageClassUpdate },
  'scheduling.k8s.io/PriorityClass': { validate: storage.validatePriorityClass, update: storage.validatePriorityClassUpdate },
  'coordination.k8s.io/Lease': { validate: storage.validateLease },
  'discovery.k8s.io/EndpointSlice': { validate: validateEndpointSlice },
};

/** Kinds that are requests rather than stored objects: they carry no name to check. */
const virtualKinds = new Set([
  'TokenReview', 'SubjectAccessReview', 'SelfSubjectAccessReview', 'LocalSubjectAccessReview', 'SelfSubjectRulesReview',
  'SelfSubjectReview', 'TokenRequest',
]);

const rulesFor = (info: ResourceInfo): TypeRules | undefined => rules[`${info.group}/${info.kind}`];

/** True when Tugboat has type-specific rules for this kind (custom resources get only metadata rules). */
export function hasTypeRules(info: ResourceInfo): boolean {
  return rulesFor(info) !== undefined;
}

/** Errors in an object about to be created. Metadata rules (names, labels...) included. */
export function validateCreate(info: ResourceInfo, obj: KubeObject): FieldError[] {
  if (virtualKinds.has(info.kind)) return [];
  const r = rulesFor(info);
  const errs = validateObjectMeta(obj.metadata, { namespaced: info.namespaced, nameFn: r?.name ?? nameIsDNSSubdomain, builtin: !!r });
  if (r?.validate) errs.push(...r.validate(obj));
  return dedupe(errs);
}

/** Errors in an update, including changes to immutable fields. */
export function validateUpdate(info: ResourceInfo, obj: KubeObject, old: KubeObject): FieldError[] {
  if (virtualKinds.has(info.kind)) return [];
  const r = rulesFor(info);
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata, { namespaced: info.namespaced, nameFn: r?.name ?? nameIsDNSSubdomain, builtin: !!r });
  if (r?.update) errs.push(...r.update(obj, old));
  if (r?.validate) errs.push(...r.validate(obj, old));
  return dedupe(errs);
}

/** Kubernetes' aggregate drops errors whose text repeats. */
function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = `${e.type}|${e.field}|${String(e.value)}|${JSON.stringify(e.value)}|${e.detail}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
