// The built-in resource types (STUB: the registry engineer replaces this with the full list).
import { ALL_VERBS, type ResourceInfo } from '../resource.js';

export const builtinResources: readonly ResourceInfo[] = [
  { group: '', versions: ['v1'], kind: 'Namespace', listKind: 'NamespaceList', plural: 'namespaces', singular: 'namespace', namespaced: false, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['ns'], subresources: [{ name: 'status', kind: 'Namespace', verbs: ['get', 'patch', 'update'] }, { name: 'finalize', kind: 'Namespace', verbs: ['update'] }] },
  { group: '', versions: ['v1'], kind: 'ConfigMap', listKind: 'ConfigMapList', plural: 'configmaps', singular: 'configmap', namespaced: true, verbs: ALL_VERBS, shortNames: ['cm'] },
  { group: '', versions: ['v1'], kind: 'Pod', listKind: 'PodList', plural: 'pods', singular: 'pod', namespaced: true, verbs: ALL_VERBS, shortNames: ['po'], categories: ['all'], subresources: [{ name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] }] },
  { group: 'apps', versions: ['v1'], kind: 'Deployment', listKind: 'DeploymentList', plural: 'deployments', singular: 'deployment', namespaced: true, verbs: ALL_VERBS, shortNames: ['deploy'], categories: ['all'], subresources: [{ name: 'status', kind: 'Deployment', verbs: ['get', 'patch', 'update'] }, { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] }] },
];
