// The `kube-dns` Service in kube-system, which pods' resolv.conf points at. The DNS server owns it: made when
// missing, with no selector and no EndpointSlice, so the service proxy writes no rules for its address and
// traffic to it reaches this server over the host's local route for the service range.
import type { Client } from '../client/types.js';
import type { Logger } from '../util/logger.js';
import { SERVICES } from './cluster-view.js';
import type { Service } from './types.js';

export function kubeDnsService(ip: string): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kube-dns',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS', 'kubernetes.io/cluster-service': 'true' },
    },
    spec: {
      clusterIP: ip,
      clusterIPs: [ip],
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  };
}

export async function ensureKubeDnsService(client: Client, ip: string, log: Logger): Promise<void> {
  try {
    const have = await client.get<Service>(SERVICES, 'kube-system', 'kube-dns');
    if (have.spec?.clusterIP !== ip) log.warn('kube-dns service has another address', { want: ip, have: have.spec?.clusterIP });
    return;
  } catch (e) {
    if ((e as { reason?: string }).reason !== 'NotFound') throw e;
  }
  await client.create(SERVICES, 'kube-system', kubeDnsService(ip)).catch((e: { reason?: string }) => {
    if (e.reason !== 'AlreadyExists') throw e;
  });
}
