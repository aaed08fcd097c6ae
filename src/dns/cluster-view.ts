// The resolver's view of the cluster over informer caches, with the indexes reverse lookups need.
import type { Informer, InformerFactory, ResourceRef } from '../client/types.js';
import type { ClusterView, EndpointSlice, Pod, Service } from './types.js';

const ref = (group: string, resource: string): ResourceRef => ({ group, version: 'v1', resource, namespaced: true });
export const SERVICES = ref('', 'services');
export const PODS = ref('', 'pods');
export const ENDPOINT_SLICES = ref('discovery.k8s.io', 'endpointslices');
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export class InformerView implements ClusterView {
  readonly informers: Informer[];
  private readonly svcs: Informer<Service>;
  private readonly eps: Informer<EndpointSlice>;
  private readonly pods: Informer<Pod>;

  constructor(f: InformerFactory) {
    this.svcs = f.informer<Service>(SERVICES);
    this.eps = f.informer<EndpointSlice>(ENDPOINT_SLICES);
    this.pods = f.informer<Pod>(PODS);
    this.svcs.addIndex('dns-ip', (s) => [...new Set([s.spec?.clusterIP, ...(s.spec?.clusterIPs ?? [])].filter((ip): ip is string => !!ip && ip !== 'None'))]);
    this.eps.addIndex('dns-service', (s) => {
      const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      return name ? [`${s.metadata?.namespace}/${name}`] : [];
    });
    this.eps.addIndex('dns-ip', (s) => [...new Set((s.endpoints ?? []).flatMap((e) => e.addresses))]);
    this.pods.addIndex('dns-ip', (p) => (p.status?.podIP ? [p.status.podIP] : []));
    this.informers = [this.svcs, this.eps, this.pods] as Informer[];
  }

  service(namespace: string, name: string): Service | undefined {
    return this.svcs.get(namespace, name);
  }
  slices(namespace: string, service: string): EndpointSlice[] {
    return this.eps.byIndex('dns-service', `${namespace}/${service}`);
  }
  hasNamespace(namespace: string): boolean {
    return this.svcs.list(namespace).length > 0 || this.pods.list(namespace).length > 0;
  }
  servicesByIP(ip: string): Service[] {
    return this.svcs.byIndex('dns-ip', ip);
  }
  slicesByIP(ip: string): EndpointSlice[] {
    return this.eps.byIndex('dns-ip', ip);
  }
  podsByIP(ip: string): Pod[] {
    return this.pods.byIndex('dns-ip', ip);
  }
}
