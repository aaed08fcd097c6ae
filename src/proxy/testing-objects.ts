// Objects for the proxy's pure tests: services and slices in namespace `demo`, endpoints on nodes n1/n2.
import type { EndpointSlice, Service } from './model.js';

export const svc = (name: string, spec: Service['spec'], status?: Service['status']): Service => ({
  metadata: { namespace: 'demo', name },
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec },
  ...(status ? { status } : {}),
});

export const ep = (ip: string, node = 'n1', ready = true, extra: { serving?: boolean; terminating?: boolean } = {}) => ({
  addresses: [ip],
  nodeName: node,
  conditions: { ready, ...extra },
});

export const slice = (service: string, endpoints: ReturnType<typeof ep>[], port = 8080, name = `${service}-abc`): EndpointSlice => ({
  metadata: { namespace: 'demo', name, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port, protocol: 'TCP' }],
  endpoints,
});
