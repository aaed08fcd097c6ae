// The `default/kubernetes` service has no selector: its endpoints are the API server itself (kube-apiserver's
// endpoint reconciler writes them; here the controller manager does, running in the same process as the
// server). The address defaults to this machine's first non-loopback IPv4, the port to the service's
// targetPort, which the API server set to its own listening port.
import { networkInterfaces } from 'node:os';
import type { Endpoints, EndpointSlice, Service } from './types.js';
import { SERVICE_NAME_LABEL } from './types.js';

export interface ApiServerEndpoint {
  ip: string;
  port: number;
}

export const isKubernetesService = (svc: Service) => svc.metadata?.namespace === 'default' && svc.metadata?.name === 'kubernetes' && !svc.spec?.selector;

function firstIPv4(): string {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

export function apiServerEndpoint(svc: Service, given: Partial<ApiServerEndpoint>): ApiServerEndpoint {
  const sp = svc.spec?.ports?.[0];
  const target = typeof sp?.targetPort === 'number' ? sp.targetPort : (sp?.port ?? 443);
  return { ip: given.ip ?? firstIPv4(), port: given.port ?? target };
}

export function kubernetesEndpoints(svc: Service, given: Partial<ApiServerEndpoint>, have?: Endpoints): Endpoints {
  const { ip, port } = apiServerEndpoint(svc, given);
  const meta = have ? structuredClone(have.metadata ?? {}) : { name: 'kubernetes', namespace: 'default' };
  // The mirroring controller must not copy this one into a second slice: the slice is written below.
  meta.labels = { 'endpointslice.kubernetes.io/skip-mirror': 'true' };
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: meta, subsets: [{ addresses: [{ ip }], ports: [{ name: 'https', port, protocol: 'TCP' }] }] };
}

export function kubernetesSlice(svc: Service, given: Partial<ApiServerEndpoint>, have?: EndpointSlice): EndpointSlice {
  const { ip, port } = apiServerEndpoint(svc, given);
  const meta = have ? structuredClone(have.metadata ?? {}) : { name: 'kubernetes', namespace: 'default' };
  meta.labels = { [SERVICE_NAME_LABEL]: 'kubernetes' };
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta,
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
}
