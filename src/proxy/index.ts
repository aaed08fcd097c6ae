// The service proxy (our kube-proxy): Services and EndpointSlices to this node's data path. Contract for
// src/cli/node-services.ts; the implementation lives beside it in this folder.
import type { Client, InformerFactory } from '../client/index.js';
import type { Logger } from '../util/logger.js';

export type ProxyMode = 'nftables' | 'userspace';

export interface ProxyOptions {
  client: Client;
  informers?: InformerFactory;
  logger: Logger;
  signal: AbortSignal;
  nodeName: string;
  /** The node's addresses: NodePorts and LoadBalancer ports answer on these. */
  nodeIPs: string[];
  /** 'auto': nftables as root with nft present, else userspace. */
  mode: ProxyMode | 'auto';
  serviceCidr: string;
  clusterCidr: string;
  /** nftables table (family ip) the rules live in; one per server so parallel test servers do not meet. */
  table?: string;
}

export interface Proxy {
  mode: ProxyMode;
  /** Resolves when the rules reflect everything the informers have seen so far (tests, benchmarks). */
  synced(): Promise<void>;
  /** Stops the loops and removes every rule and listener. */
  stop(): Promise<void>;
}

export async function startProxy(_o: ProxyOptions): Promise<Proxy> {
  throw new Error('the service proxy is not built yet');
}
