// The node agent `tug server` runs for its own machine: the process runtime over the CNI pod network, its stream
// endpoint (logs/exec/attach/port-forward) with a serving certificate from the cluster CA, and a shutdown that
// stops every container and takes the pod networks down (the node is going away). A SIGKILLed server leaves the
// containers running; the next start adopts them.
import type { Client } from '../client/types.js';
import { ensureAgentServingCert, type Pki } from '../apiserver/pki/ensure.js';
import { defaultRuntime, startNodeAgent, type NodeAgent } from '../node/index.js';
import type { PodNetwork } from '../network/index.js';
import type { Logger } from '../util/logger.js';
import { recordHostState, restoreHostState } from './host-state.js';
import { startNodeServices, type NodeServices, type NodeServicesOptions } from './node-services.js';

export const RUNTIMES = ['process', 'oci'] as const;

export interface LocalAgentOptions {
  client: Client;
  /** The cluster's PKI (in-process server): signs the stream endpoint's serving certificate. */
  pki?: Pki;
  /** Without pki (`tug agent`): the stream endpoint's certificate and client CA; neither: no stream endpoint. */
  streamsTls?: { key: string; cert: string; ca: string };
  dataDir: string;
  logger: Logger;
  signal: AbortSignal;
  nodeName: string;
  nodeIP: string;
  runtime: string;
  kubeletPort: number;
  podCidr: string;
  bridge?: string;
  podNetwork: boolean;
  serverUrl: string;
  /** How often the agent samples container CPU and memory (--metrics-sample-interval). */
  metricsIntervalMs: number;
  /** Proxy, cluster DNS and ingress for this node (absent: none). */
  services?: NodeServicesOptions;
}

export interface LocalAgent {
  agent: NodeAgent;
  network: PodNetwork;
  services?: NodeServices;
  /** Waits for the agent's loops, stops every pod (grace capped at maxGraceMs), removes the pod networks. */
  shutdown(maxGraceMs: number): Promise<void>;
}

export function checkRuntime(name: string): 'process' {
  if (name === 'process') return name;
  if (name === 'oci') throw new Error('--runtime oci is not available yet: this version runs containers with the process runtime only (--runtime process)');
  throw new Error(`--runtime ${JSON.stringify(name)} is not one of ${RUNTIMES.join(', ')}`);
}

export async function startLocalAgent(o: LocalAgentOptions): Promise<LocalAgent> {
  checkRuntime(o.runtime);
  const root = process.getuid?.() === 0;
  if (root && o.podNetwork) recordHostState(o.dataDir);
  const { runtime, network, nodeIP } = await defaultRuntime({
    dataDir: o.dataDir,
    logger: o.logger,
    podCidr: o.podCidr,
    nodeIP: o.nodeIP,
    hostNetworkOnly: !o.podNetwork,
    ...(o.bridge ? { bridge: o.bridge } : {}),
  });
  if (network.warning) process.stderr.write(`tug: warning: ${network.warning}\n`);
  const tls = o.pki ? { ...ensureAgentServingCert(o.pki, o.nodeName, [nodeIP, '127.0.0.1']), ca: o.pki.ca.cert } : o.streamsTls;
  let agent: NodeAgent;
  try {
    agent = await startNodeAgent({
      client: o.client,
      logger: o.logger,
      signal: o.signal,
      nodeName: o.nodeName,
      dataDir: o.dataDir,
      runtime,
      network: { podCidr: network.podCidr, mode: network.mode },
      nodeIP,
      serverUrl: o.serverUrl,
      ...(tls ? { streams: { port: o.kubeletPort, tls } } : {}),
      metricsIntervalMs: o.metricsIntervalMs,
      ...(o.services?.dns ? { dns: { clusterDNS: [o.services.dns.ip], clusterDomain: o.services.dns.domain } } : {}),
    });
  } catch (e) {
    await network.cleanup().catch(() => undefined);
    if (root) restoreHostState(o.dataDir);
    throw e;
  }
  let services: NodeServices | undefined;
  if (o.services) {
    try {
      services = await startNodeServices({ client: o.client, logger: o.logger, signal: o.signal, nodeName: o.nodeName, nodeIP, podNetwork: network.mode === 'cni' }, o.services);
    } catch (e) {
      o.logger.warn('node network services could not start', { err: e });
      process.stderr.write(`tug: warning: ${e instanceof Error ? e.message : String(e)} (pods run; services, DNS or ingress do not)\n`);
    }
  }
  return {
    agent,
    network,
    ...(services ? { services } : {}),
    async shutdown(maxGraceMs) {
      const t0 = Date.now();
      await services?.stop();
      await Promise.race([agent.done.catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
      const t1 = Date.now();
      await agent.stopAllPods(maxGraceMs);
      const t2 = Date.now();
      await network.cleanup().catch((e: Error) => o.logger.warn('pod network cleanup failed', { err: e }));
      o.logger.info('node agent stopped', { loopsMs: t1 - t0, podsMs: t2 - t1, networkMs: Date.now() - t2 });
      if (root) restoreHostState(o.dataDir);
    },
  };
}
