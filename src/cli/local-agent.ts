// The node agent `tug server` runs for its own machine: its runtimes (process, or oci beside process: --runtime
// auto|oci|process) over the CNI pod network, its stream
// endpoint (logs/exec/attach/port-forward) with a serving certificate from the cluster CA, and a shutdown that
// stops every container and takes the pod networks down (the node is going away). A SIGKILLed server leaves the
// containers running; the next start adopts them.
import type { Client } from '../client/types.js';
import { ensureAgentServingCert, type Pki } from '../apiserver/pki/ensure.js';
import { Option } from 'commander';
import { nodeRuntimes, resolveRuntimeName, startNodeAgent, type NodeAgent } from '../node/index.js';
import type { RegistryConfig } from '../runtime/images/index.js';
import { gatewayOf, type PodNetwork } from '../network/index.js';
import type { Logger } from '../util/logger.js';
import { recordHostState, restoreHostState } from './host-state.js';
import { startNodeServices, type NodeServices, type NodeServicesOptions } from './node-services.js';

export const RUNTIMES = ['auto', 'oci', 'process'] as const;

/** --insecure-registry / --registry-ca, repeatable, with TUG_ twins (comma-separated). */
export function registryFlags(): Option[] {
  const list = (v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(',').filter(Boolean)];
  return [
    new Option('--insecure-registry <host:port>', 'pull from this registry over plain http (repeatable; oci runtime)').env('TUG_INSECURE_REGISTRY').argParser(list),
    new Option('--registry-ca <file>', 'also trust this CA certificate for registries (repeatable; oci runtime)').env('TUG_REGISTRY_CA').argParser(list),
  ];
}

/** The image store's registry settings from those flags. */
export function registriesFromFlags(o: { insecureRegistry?: string[] | string; registryCa?: string[] | string }): RegistryConfig | undefined {
  const arr = (v: string[] | string | undefined) => (Array.isArray(v) ? v : v ? v.split(',').filter(Boolean) : []);
  const insecure = arr(o.insecureRegistry);
  const caFiles = arr(o.registryCa);
  if (!insecure.length && !caFiles.length) return undefined;
  return { ...(insecure.length ? { insecure } : {}), ...(caFiles.length ? { caFiles } : {}) };
}

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
  /** auto, oci or process. */
  runtime: string;
  /** Registries the OCI runtime's image store trusts (insecure http, extra CAs). */
  registries?: RegistryConfig;
  kubeletPort: number;
  podCidr: string;
  bridge?: string;
  podNetwork: boolean;
  /** How often the agent samples container CPU and memory (--metrics-sample-interval). */
  metricsIntervalMs: number;
  /** Proxy, cluster DNS and ingress for this node (absent: none). */
  services?: NodeServicesOptions;
}

export interface LocalAgent {
  agent: NodeAgent;
  /** The runtime pods without a RuntimeClass run on (auto resolved). */
  runtimeName: 'oci' | 'process';
  network: PodNetwork;
  services?: NodeServices;
  /** Waits for the agent's loops, stops every pod (grace capped at maxGraceMs), removes the pod networks. */
  shutdown(maxGraceMs: number): Promise<void>;
}

/** Validates --runtime and resolves auto (oci when root and runc or crun is on PATH, else process). */
export function checkRuntime(name: string): 'oci' | 'process' {
  if (!(RUNTIMES as readonly string[]).includes(name)) throw new Error(`--runtime ${JSON.stringify(name)} is not one of ${RUNTIMES.join(', ')}`);
  return resolveRuntimeName(name);
}

export async function startLocalAgent(o: LocalAgentOptions): Promise<LocalAgent> {
  checkRuntime(o.runtime);
  const root = process.getuid?.() === 0;
  if (root && o.podNetwork) recordHostState(o.dataDir);
  const { runtime, network, nodeIP, name: runtimeName } = await nodeRuntimes({
    runtime: o.runtime,
    ...(o.registries ? { registries: o.registries } : {}),
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
    const cni = network.mode === 'cni';
    // The bridge name defaults as in createPodNetwork; its gateway is the pod CIDR's first address.
    const podNet = cni ? { podBridge: o.bridge ?? 'tug0', podGateway: gatewayOf(network.podCidr) } : {};
    services = await startNodeServices({ client: o.client, logger: o.logger, signal: o.signal, nodeName: o.nodeName, nodeIP, podNetwork: cni, ...podNet }, o.services);
    for (const w of services.warnings) process.stderr.write(`tug: warning: ${w}\n`);
  }
  return {
    agent,
    runtimeName,
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
