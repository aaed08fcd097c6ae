// Cluster DNS answered from Services, EndpointSlices and Pods. Contract for src/cli/node-services.ts; the
// implementation lives beside it in this folder.
import type { Client, InformerFactory } from '../client/index.js';
import type { Logger } from '../util/logger.js';

export interface DnsOptions {
  client: Client;
  informers?: InformerFactory;
  logger: Logger;
  signal: AbortSignal;
  /** Where to answer, UDP and TCP (default the cluster DNS address 10.43.0.10, port 53). */
  listen: { host: string; port: number }[];
  clusterDomain: string;
  /** host:port servers for names outside the cluster (default: the host's resolv.conf nameservers). */
  upstreams: string[];
  /** Make sure the `kube-dns` Service in kube-system exists with this ClusterIP. */
  serviceIP?: string;
}

export interface DnsServer {
  addresses: { host: string; port: number }[];
  close(): Promise<void>;
}

export async function startDns(_o: DnsOptions): Promise<DnsServer> {
  throw new Error('cluster DNS is not built yet');
}
