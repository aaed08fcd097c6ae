// The `kube-dns` Service in kube-system, which pods' resolv.conf points at. The DNS server owns it: made when
// missing, with no selector; each node's DNS server publishes itself as an endpoint (node-endpoint.ts) and the
// internal traffic policy is Local, so the service proxy sends a node's pods to their own node's server.
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
      internalTrafficPolicy: 'Local',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  };
}

/** Creates the Service when missing; an existing one (made by an older version) gets the Local policy. */
export async function ensureKubeDnsService(client: Client, ip: string, log: Logger): Promise<void> {
  let have: Service | undefined;
  try {
    have = await client.get<Service>(SERVICES, 'kube-system', 'kube-dns');
  } catch (e) {
    if ((e as { reason?: string }).reason !== 'NotFound') throw e;
  }
  if (!have) {
    await client.create(SERVICES, 'kube-system', kubeDnsService(ip)).catch((e: { reason?: string }) => {
      if (e.reason !== 'AlreadyExists') throw e;
    });
    return;
  }
  if (have.spec?.clusterIP !== ip) log.warn('kube-dns service has another address', { want: ip, have: have.spec?.clusterIP });
  if (have.spec?.internalTrafficPolicy !== 'Local') {
    await client.patch(SERVICES, 'kube-system', 'kube-dns', 'merge', { spec: { internalTrafficPolicy: 'Local' } });
  }
}
