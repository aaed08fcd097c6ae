// autoscaling: v2 is preferred (and stored); v1 is still served for old clients.
import type { ResourceInfo } from '../resource.js';
import { resource, status } from './define.js';

export const autoscalingResources: readonly ResourceInfo[] = [
  resource({
    group: 'autoscaling', versions: ['v2', 'v1'], kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', namespaced: true,
    shortNames: ['hpa'], categories: ['all'], subresources: [status('HorizontalPodAutoscaler')],
  }),
];
