// Cluster DNS answered from Services, EndpointSlices and Pods (resolve.ts), served over UDP and TCP (server.ts),
// names outside the cluster relayed to upstreams (forward.ts). Started by src/cli/node-services.ts.
import type { Client, InformerFactory } from '../client/index.js';
import { createInformerFactory } from '../client/informer-factory.js';
import type { Logger } from '../util/logger.js';
import { ENDPOINT_SLICES, InformerView } from './cluster-view.js';
import { parseUpstream } from './forward.js';
import { ensureKubeDnsService } from './kube-dns-service.js';
import { publishNodeEndpoint, type NodeEndpoint } from './node-endpoint.js';
import { Resolver } from './resolve.js';
import { listen, type Listener } from './server.js';
import type { EndpointSlice } from './types.js';

export { Resolver, DEFAULT_TTL } from './resolve.js';
export type { ClusterView } from './types.js';

export interface DnsOptions {
  client: Client;
  informers?: InformerFactory;
  logger: Logger;
  signal: AbortSignal;
  /** Where to answer, UDP and TCP: a node's pod gateway (with endpoint), or the cluster DNS address itself. */
  listen: { host: string; port: number }[];
  clusterDomain: string;
  /** host:port servers for names outside the cluster (default: the host's resolv.conf nameservers). */
  upstreams: string[];
  /** Make sure the `kube-dns` Service in kube-system exists with this ClusterIP. */
  serviceIP?: string;
  /**
   * Publish the first listen address as this node's endpoint of `kube-dns` (an EndpointSlice kept while the server
   * runs, deleted by close), so pods reach it through the service proxy at the Service's ClusterIP.
   */
  endpoint?: { nodeName: string };
  /** Reverse zones answered here (default the pod and service ranges, 10.42.0.0/16 and 10.43.0.0/16). */
  reverseCidrs?: string[];
  /** Per upstream query (default 2 s). */
  upstreamTimeoutMs?: number;
}

export interface DnsServer {
  addresses: { host: string; port: number }[];
  close(): Promise<void>;
}

export async function startDns(o: DnsOptions): Promise<DnsServer> {
  const logger = o.logger.child('dns');
  const informers = o.informers ?? createInformerFactory({ client: o.client, logger });
  const view = new InformerView(informers);
  // The caches stop with the server (close) or with the caller's signal, whichever comes first.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  o.signal.addEventListener('abort', onAbort, { once: true });
  await Promise.all(view.informers.map((i) => i.start(stop.signal)));
  if (o.serviceIP) await ensureKubeDnsService(o.client, o.serviceIP, logger).catch((e: Error) => logger.warn('kube-dns service not ensured', { err: e }));
  const resolver = new Resolver(view, { zone: o.clusterDomain, reverseCidrs: o.reverseCidrs ?? ['10.42.0.0/16', '10.43.0.0/16'] });
  const handler = { resolver, upstreams: o.upstreams.map(parseUpstream), logger, ...(o.upstreamTimeoutMs ? { timeoutMs: o.upstreamTimeoutMs } : {}) };
  const listeners: Listener[] = [];
  let endpoint: NodeEndpoint | undefined;
  const close = async () => {
    o.signal.removeEventListener('abort', onAbort);
    // The endpoint goes first, so the proxy stops sending queries before nobody answers them.
    await endpoint?.close();
    stop.abort();
    await Promise.all(listeners.splice(0).map((l) => l.close()));
  };
  try {
    for (const l of o.listen) listeners.push(await listen(handler, l.host, l.port));
  } catch (e) {
    await close();
    throw e;
  }
  const first = listeners[0];
  if (o.endpoint && first) {
    endpoint = publishNodeEndpoint({
      client: o.client,
      slices: informers.informer<EndpointSlice>(ENDPOINT_SLICES),
      logger,
      nodeName: o.endpoint.nodeName,
      ip: first.host,
      port: first.port,
    });
    // Not awaited past a short while: the API may be slow, and the publisher retries by itself.
    await Promise.race([endpoint.published(), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
  logger.info('serving', { on: listeners.map((l) => `${l.host}:${l.port}`), upstreams: o.upstreams });
  return { addresses: listeners.map((l) => ({ host: l.host, port: l.port })), close };
}
