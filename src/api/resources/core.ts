// The core ("legacy") group, served under /api/v1. Verbs, short names and categories as Kubernetes 1.33 lists
// them in discovery (`kubectl api-resources -o wide`).
import type { ResourceInfo } from '../resource.js';
import { CREATE_ONLY, NO_DELETECOLLECTION, proxy, resource, scale, status } from './define.js';

const core = { group: '', versions: ['v1'] };

export const coreResources: readonly ResourceInfo[] = [
  resource({ ...core, kind: 'Binding', plural: 'bindings', namespaced: true, verbs: CREATE_ONLY }),
  resource({ ...core, kind: 'ComponentStatus', plural: 'componentstatuses', namespaced: false, verbs: ['get', 'list'], shortNames: ['cs'] }),
  resource({ ...core, kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] }),
  resource({ ...core, kind: 'Endpoints', plural: 'endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'] }),
  resource({ ...core, kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] }),
  resource({ ...core, kind: 'LimitRange', plural: 'limitranges', namespaced: true, shortNames: ['limits'] }),
  resource({
    ...core, kind: 'Namespace', plural: 'namespaces', namespaced: false, verbs: NO_DELETECOLLECTION, shortNames: ['ns'],
    subresources: [{ name: 'finalize', kind: 'Namespace', verbs: ['update'] }, status('Namespace')],
  }),
  resource({
    ...core, kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'],
    subresources: [proxy('NodeProxyOptions'), status('Node')],
  }),
  resource({
    ...core, kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, shortNames: ['pvc'],
    subresources: [status('PersistentVolumeClaim')],
  }),
  resource({
    ...core, kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, shortNames: ['pv'],
    subresources: [status('PersistentVolume')],
  }),
  resource({
    ...core, kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po'], categories: ['all'],
    subresources: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
      { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      proxy('PodProxyOptions'),
      { name: 'resize', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
      status('Pod'),
    ],
  }),
  resource({ ...core, kind: 'PodTemplate', plural: 'podtemplates', namespaced: true }),
  resource({
    ...core, kind: 'ReplicationController', plural: 'replicationcontrollers', namespaced: true, shortNames: ['rc'], categories: ['all'],
    subresources: [scale, status('ReplicationController')],
  }),
  resource({
    ...core, kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true, shortNames: ['quota'],
    subresources: [status('ResourceQuota')],
  }),
  resource({ ...core, kind: 'Secret', plural: 'secrets', namespaced: true }),
  resource({
    ...core, kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa'],
    subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
  }),
  resource({
    ...core, kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc'], categories: ['all'],
    subresources: [proxy('ServiceProxyOptions'), status('Service')],
  }),
];
