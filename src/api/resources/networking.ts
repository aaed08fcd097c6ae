// networking.k8s.io/v1: ingress and network policy.
import type { ResourceInfo } from '../resource.js';
import { resource, status } from './define.js';

const net = { group: 'networking.k8s.io', versions: ['v1'] };

export const networkingResources: readonly ResourceInfo[] = [
  resource({ ...net, kind: 'IngressClass', plural: 'ingressclasses', namespaced: false }),
  resource({ ...net, kind: 'Ingress', plural: 'ingresses', namespaced: true, shortNames: ['ing'], subresources: [status('Ingress')] }),
  resource({ ...net, kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, shortNames: ['netpol'] }),
];
