// The node-side network services a node agent's machine runs beside it: the service proxy, cluster DNS and the
// ingress controller. They meet the rest only through the API; this file just composes them with the flags.
import type { Client } from '../client/types.js';
import type { Logger } from '../util/logger.js';
import { startDns, type DnsServer } from '../dns/index.js';
import { startIngress, type IngressController } from '../ingress/index.js';
import { startProxy, type Proxy, type ProxyMode } from '../proxy/index.js';
import { DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR } from '../network/index.js';

export const PROXY_MODES = ['auto', 'nftables', 'userspace', 'none'] as const;
export const DEFAULT_CLUSTER_DNS = '10.43.0.10';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

export interface NodeServicesOptions {
  proxyMode: ProxyMode | 'auto' | 'none';
  /** Cluster DNS address (kube-dns Service IP); undefined: no DNS server on this node. */
  dns?: { ip: string; port: number; domain: string; upstreams: string[] };
  /** Ingress listeners; undefined: no ingress controller on this node. */
  ingress?: { host: string; httpPort: number; httpsPort: number; className: string; workers?: number };
  /** nftables table of the proxy (tests give each server its own). */
  proxyTable?: string;
}

export interface NodeServices {
  /** One line per service that could not start (the others run). */
  warnings: string[];
  proxy?: Proxy;
  dns?: DnsServer;
  ingress?: IngressController;
  stop(): Promise<void>;
}

export interface NodeServicesContext {
  client: Client;
  logger: Logger;
  signal: AbortSignal;
  nodeName: string;
  nodeIP: string;
  /** Whether pods have their own network (the service CIDR is claimed on this host). */
  podNetwork: boolean;
  /** With a pod network: its bridge (ClusterIPs are served to its pods only) and gateway address (the DNS listens there). */
  podBridge?: string;
  podGateway?: string;
}

/**
 * Starts each service on its own: one that cannot start is reported in `warnings` and the others run. The proxy's
 * nftables table is named after the node, so a server and an agent on one machine never flush each other's rules.
 * Several clusters may run on one machine with the same service addresses: the proxy serves ClusterIPs only to
 * its own bridge's pods, and the DNS listens on the pod gateway (an endpoint of kube-dns, reached through the
 * proxy) rather than on the shared cluster DNS address.
 */
export async function startNodeServices(ctx: NodeServicesContext, o: NodeServicesOptions): Promise<NodeServices> {
  const out: NodeServices = {
    warnings: [],
    async stop() {
      await out.ingress?.close().catch((e: Error) => ctx.logger.warn('ingress stop failed', { err: e }));
      await out.dns?.close().catch((e: Error) => ctx.logger.warn('dns stop failed', { err: e }));
      await out.proxy?.stop().catch((e: Error) => ctx.logger.warn('proxy stop failed', { err: e }));
    },
  };
  const base = { client: ctx.client, logger: ctx.logger, signal: ctx.signal };
  const attempt = async (what: string, off: string, start: () => Promise<void>) => {
    try {
      await start();
    } catch (e) {
      ctx.logger.warn(`${what} could not start`, { err: e });
      out.warnings.push(`the ${what} could not start: ${e instanceof Error ? e.message : String(e)} (${off} runs without it)`);
    }
  };
  const proxyMode = o.proxyMode;
  if (proxyMode !== 'none') {
    await attempt('service proxy', '--proxy-mode none', async () => {
      out.proxy = await startProxy({
        ...base,
        nodeName: ctx.nodeName,
        nodeIPs: [ctx.nodeIP],
        mode: ctx.podNetwork ? proxyMode : 'userspace',
        ...(ctx.podNetwork && ctx.podBridge ? { podBridge: ctx.podBridge } : {}),
        serviceCidr: DEFAULT_SERVICE_CIDR,
        clusterCidr: DEFAULT_CLUSTER_CIDR,
        table: o.proxyTable ?? proxyTableFor(ctx.nodeName),
      });
    });
  }
  // Pods reach the DNS at its ClusterIP through the nftables proxy, which DNATs to this node's endpoint: the pod
  // gateway. Without that proxy, the server answers on the ClusterIP itself (the service CIDR is a local route
  // here, claimed only with a pod network), as one server per machine can.
  if (o.dns && ctx.podNetwork) {
    const dns = o.dns;
    const gateway = out.proxy?.mode === 'nftables' ? ctx.podGateway : undefined;
    await attempt('cluster DNS', '--no-dns', async () => {
      out.dns = await startDns({
        ...base,
        listen: [{ host: gateway ?? dns.ip, port: dns.port }],
        clusterDomain: dns.domain,
        upstreams: dns.upstreams,
        serviceIP: dns.ip,
        ...(gateway ? { endpoint: { nodeName: ctx.nodeName } } : {}),
      });
    });
  }
  if (o.ingress) {
    const ing = o.ingress;
    await attempt('ingress controller', '--no-ingress', async () => {
      out.ingress = await startIngress({
        ...base,
        nodeName: ctx.nodeName,
        nodeIP: ctx.nodeIP,
        http: { host: ing.host, port: ing.httpPort },
        https: { host: ing.host, port: ing.httpsPort },
        className: ing.className,
        ...(ing.workers !== undefined ? { workers: ing.workers } : {}),
      });
    });
  }
  return out;
}

/** `tugboat-proxy-<node>`, in the characters nft takes in a table name. */
export function proxyTableFor(nodeName: string): string {
  return `tugboat-proxy-${nodeName.toLowerCase().replace(/[^a-z0-9_-]/g, '_')}`.slice(0, 64);
}

/** The flags both `tug server` and `tug agent` take for the node services. */
export function addNodeServiceFlags(cmd: import('commander').Command, flag: (f: string, d: string, v?: string) => import('commander').Option): import('commander').Command {
  const root = process.getuid?.() === 0;
  return cmd
    .addOption(flag('--proxy-mode <mode>', `service proxy: ${PROXY_MODES.join('|')} (auto: nftables as root, else userspace)`, 'auto'))
    .addOption(flag('--cluster-dns <ip>', 'address of the cluster DNS (the kube-dns Service), written into pods\' resolv.conf', DEFAULT_CLUSTER_DNS))
    .addOption(flag('--cluster-domain <domain>', 'the cluster\'s DNS domain', DEFAULT_CLUSTER_DOMAIN))
    .addOption(flag('--dns-upstream <servers>', 'comma-separated host:port servers for names outside the cluster (default: this host\'s resolv.conf)'))
    .addOption(flag('--no-dns', 'run no cluster DNS server on this node'))
    .addOption(flag('--ingress-http-port <port>', 'port of the built-in ingress for http', root ? '80' : '8080'))
    .addOption(flag('--ingress-https-port <port>', 'port of the built-in ingress for https', root ? '443' : '8443'))
    .addOption(flag('--ingress-workers <n>', 'data-plane processes of the ingress (0: serve in the server process; default: one per CPU, up to 4)'))
    .addOption(flag('--no-ingress', 'run no ingress controller on this node'));
}

export interface NodeServiceFlags {
  proxyMode?: string;
  clusterDns?: string;
  clusterDomain?: string;
  dnsUpstream?: string;
  dns?: boolean;
  ingressHttpPort?: string;
  ingressHttpsPort?: string;
  ingressWorkers?: string;
  ingress?: boolean;
}

/** Turns the flags into options; throws a message naming the bad flag. */
export function nodeServicesFromFlags(f: NodeServiceFlags, hostUpstreams: () => string[]): NodeServicesOptions {
  const mode = f.proxyMode ?? 'auto';
  if (!(PROXY_MODES as readonly string[]).includes(mode)) throw new Error(`--proxy-mode ${JSON.stringify(mode)} is not one of ${PROXY_MODES.join(', ')}`);
  const port = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} ${JSON.stringify(v)} is not a port number`);
    return n;
  };
  const root = process.getuid?.() === 0;
  const ip = f.clusterDns ?? DEFAULT_CLUSTER_DNS;
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) throw new Error(`--cluster-dns ${JSON.stringify(ip)} is not an IPv4 address`);
  return {
    proxyMode: mode as NodeServicesOptions['proxyMode'],
    ...(f.dns !== false
      ? {
          dns: {
            ip,
            port: 53,
            domain: f.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
            upstreams: f.dnsUpstream ? f.dnsUpstream.split(',').map((s) => s.trim()).filter(Boolean) : hostUpstreams(),
          },
        }
      : {}),
    ...(f.ingress !== false
      ? {
          ingress: {
            host: '0.0.0.0',
            httpPort: port('--ingress-http-port', f.ingressHttpPort ?? (root ? '80' : '8080')),
            httpsPort: port('--ingress-https-port', f.ingressHttpsPort ?? (root ? '443' : '8443')),
            className: 'tugboat',
            ...(f.ingressWorkers !== undefined ? { workers: wholeNumber('--ingress-workers', f.ingressWorkers) } : {}),
          },
        }
      : {}),
  };
}

function wholeNumber(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} ${JSON.stringify(v)} is not a whole number >= 0`);
  return n;
}

/** The nameservers of this host's /etc/resolv.conf as host:53 (loopback stub resolvers included). */
export function hostResolvConfUpstreams(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((s): s is string => !!s)
    .map((s) => (s.includes(':') ? `[${s}]:53` : `${s}:53`));
}
