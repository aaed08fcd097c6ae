// apps/v1: the workload controllers' objects.
import type { ResourceInfo } from '../resource.js';
import { resource, scale, status } from './define.js';

const apps = { group: 'apps', versions: ['v1'], namespaced: true };

export const appsResources: readonly ResourceInfo[] = [
  resource({ ...apps, kind: 'ControllerRevision', plural: 'controllerrevisions' }),
  resource({ ...apps, kind: 'DaemonSet', plural: 'daemonsets', shortNames: ['ds'], categories: ['all'], subresources: [status('DaemonSet')] }),
  resource({ ...apps, kind: 'Deployment', plural: 'deployments', shortNames: ['deploy'], categories: ['all'], subresources: [scale, status('Deployment')] }),
  resource({ ...apps, kind: 'ReplicaSet', plural: 'replicasets', shortNames: ['rs'], categories: ['all'], subresources: [scale, status('ReplicaSet')] }),
  resource({ ...apps, kind: 'StatefulSet', plural: 'statefulsets', shortNames: ['sts'], categories: ['all'], subresources: [scale, status('StatefulSet')] }),
];
