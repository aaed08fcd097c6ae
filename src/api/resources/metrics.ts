// metrics.k8s.io: resource usage as metrics-server serves it (read-only; src/apiserver/metrics answers it).
import type { ResourceInfo } from '../resource.js';
import { resource } from './define.js';

export const metricsResources: readonly ResourceInfo[] = [
  resource({ group: 'metrics.k8s.io', versions: ['v1beta1'], kind: 'NodeMetrics', plural: 'nodes', namespaced: false, verbs: ['get', 'list'] }),
  resource({ group: 'metrics.k8s.io', versions: ['v1beta1'], kind: 'PodMetrics', plural: 'pods', namespaced: true, verbs: ['get', 'list'] }),
];
