// `tug agent`: the node agent alone, against an API server elsewhere (or in another process). It only talks to the
// API: Node, Lease, pods and their status, events. SIGTERM/SIGINT stop its pods and pod networks (the node is going
// away); a SIGKILLed agent leaves its containers running and the next start adopts them (src/node/agent.ts).
//
// The logs/exec/attach/port-forward endpoint needs a serving certificate the API server trusts, i.e. one signed by
// the cluster CA. Until agents can ask for one (a CertificateSigningRequest), `--ca-dir DATA/pki` on the server's
// own machine lets the agent sign it with the CA key; without it the agent runs pods but serves no streams.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { makeCert } from '../util/certs.js';
import { clientFromKubeconfig, httpsTransport, RestClient } from '../client/index.js';
import { machineIP } from '../node/index.js';
import { createLogger, type Logger } from '../util/logger.js';
import { checkRuntime, registriesFromFlags, registryFlags, RUNTIMES, startLocalAgent } from './local-agent.js';
import { defaultDataDir, flag } from './options.js';
import { addNodeServiceFlags, nodeServicesFromFlags, type NodeServiceFlags } from './node-services.js';
import { hostUpstreams } from './server.js';

export interface AgentOptions extends NodeServiceFlags {
  server?: string;
  token?: string;
  kubeconfig?: string;
  certificateAuthority?: string;
  insecureSkipTlsVerify?: boolean;
  caDir?: string;
  dataDir: string;
  nodeName?: string;
  nodeIp?: string;
  kubeletPort: string;
  podCidr: string;
  cniBridge?: string;
  podNetwork?: boolean;
  runtime: string;
  insecureRegistry?: string[];
  registryCa?: string[];
  shutdownGracePeriod: string;
  metricsSampleInterval: string;
  verbose: number;
}

/** ~/.tug/agent, or /var/lib/tug/agent as root: apart from a server's own agent on the same machine. */
function defaultAgentDataDir(): string {
  return join(defaultDataDir(), 'agent');
}

export function agentCommand(): Command {
  return addNodeServiceFlags(
    new Command('agent')
    .description(
      'run a node agent (kubelet) for this machine against a Tugboat API server. Pods, their status, probes and the ' +
        'node lease work through the API alone; logs/exec/attach/port-forward need --ca-dir (the server\'s DATA/pki on ' +
        'this machine) for now, since the API server only trusts agent certificates signed by the cluster CA',
    )
    .addOption(flag('--server <url>', 'URL of the API server, e.g. https://10.0.0.1:6443'))
    .addOption(flag('--token <token>', 'bearer token (for now the admin token: first field of the server\'s DATA/pki/tokens.csv)'))
    .addOption(flag('--kubeconfig <file>', 'take server and credentials from this kubeconfig instead of --server/--token'))
    .addOption(flag('--certificate-authority <file>', 'CA certificate to verify the API server with (DATA/pki/ca.crt)'))
    .addOption(flag('--insecure-skip-tls-verify', 'do not verify the API server\'s certificate'))
    .addOption(flag('--ca-dir <dir>', 'the server\'s DATA/pki on this machine: sign the stream endpoint\'s certificate with its CA (enables logs/exec/attach/port-forward)'))
    .addOption(flag('--data-dir <dir>', 'where container state, pod logs and volumes live', defaultAgentDataDir()))
    .addOption(flag('--runtime <name>', `container runtime: ${RUNTIMES.join('|')} (auto: oci when root with runc or crun, else process)`, 'auto'))
    .addOption(registryFlags()[0]!)
    .addOption(registryFlags()[1]!)
    .addOption(flag('--node-name <name>', 'name of this machine\'s Node (default: the host name, lower-cased)'))
    .addOption(flag('--node-ip <ip>', 'address of this machine\'s Node (default: its first non-loopback IPv4)'))
    .addOption(flag('--kubelet-port <port>', 'where the agent serves logs/exec/attach/port-forward (0: any free port)', '10250'))
    .addOption(flag('--pod-cidr <cidr>', 'this node\'s pod subnet, inside 10.42.0.0/16 (one per node)', '10.42.1.0/24'))
    .addOption(flag('--cni-bridge <name>', 'bridge the pod network hangs on (one per node)', 'tug1'))
    .addOption(flag('--no-pod-network', 'run every pod on the host network (no network namespaces)'))
    .addOption(flag('--shutdown-grace-period <seconds>', 'on SIGTERM/SIGINT, how long pods may take to stop at most', '10'))
    .addOption(flag('--metrics-sample-interval <seconds>', 'how often container CPU and memory are sampled', '10'))
    .addOption(
      flag('-v, --verbose', 'log more (-v info, -vv debug)').argParser((_v: string, prev: number | undefined) => (prev ?? 0) + 1),
    ),
    flag,
  )
    .action(async (opts: Omit<AgentOptions, 'verbose'> & { verbose?: number | string }) => {
      const verbose = typeof opts.verbose === 'number' ? opts.verbose : opts.verbose ? Number(opts.verbose) || 1 : 0;
      await runAgent({ ...opts, verbose, dataDir: resolve(opts.dataDir) });
    });
}

function apiClient(o: AgentOptions): { client: RestClient; url: string } {
  const opts = { fieldManager: 'tug-agent', userAgent: 'tug-agent/v0.1.0' };
  if (o.kubeconfig) {
    const client = clientFromKubeconfig(o.kubeconfig, opts);
    return { client, url: o.server ?? '' };
  }
  if (!o.server) throw new Error('tug agent needs --server URL (with --token T) or --kubeconfig FILE');
  if (!o.token) throw new Error('tug agent needs --token T with --server (the admin token from the server\'s DATA/pki/tokens.csv)');
  const transport = httpsTransport({
    server: o.server,
    token: o.token,
    ...(o.certificateAuthority ? { ca: readFileSync(o.certificateAuthority) } : {}),
    ...(o.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}),
  });
  return { client: new RestClient(transport, opts), url: o.server };
}

/** The stream endpoint's certificate, signed with the cluster CA found in caDir (ca.crt, ca.key). */
function streamsTls(caDir: string, nodeName: string, nodeIP: string): { key: string; cert: string; ca: string } {
  const ca = { cert: readFileSync(join(caDir, 'ca.crt'), 'utf8'), key: readFileSync(join(caDir, 'ca.key'), 'utf8') };
  const sans = [...new Set([nodeName, nodeIP, '127.0.0.1'])];
  return { ...makeCert({ commonName: nodeName, sans, usage: 'server', days: 365 }, ca), ca: ca.cert };
}

/** Waits until the API server answers (it may be starting, or restarting after a crash). */
async function waitForApi(client: RestClient, signal: AbortSignal, logger: Logger): Promise<void> {
  let delay = 200;
  for (;;) {
    try {
      await client.request('GET', '/version');
      return;
    } catch (e) {
      if (signal.aborted) throw new Error('stopped before the API server answered');
      logger.warn('API server not reachable yet', { err: e as Error });
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }
}

function positiveOrZero(flagName: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flagName} ${JSON.stringify(v)} is not a whole number >= 0`);
  return n;
}

export async function runAgent(o: AgentOptions): Promise<void> {
  const logger = createLogger({ level: o.verbose >= 2 ? 'debug' : o.verbose === 1 ? 'info' : 'warn', component: 'tug-agent' });
  checkRuntime(o.runtime);
  const kubeletPort = positiveOrZero('--kubelet-port', o.kubeletPort);
  const graceMs = positiveOrZero('--shutdown-grace-period', o.shutdownGracePeriod) * 1000;
  const metricsIntervalMs = Math.max(1, positiveOrZero('--metrics-sample-interval', o.metricsSampleInterval)) * 1000;
  const nodeName = o.nodeName || hostname().toLowerCase();
  const nodeIP = o.nodeIp || machineIP();
  const { client, url } = apiClient(o);
  const tls = o.caDir ? streamsTls(resolve(o.caDir), nodeName, nodeIP) : undefined;

  const stop = new AbortController();
  const signalled = new Promise<void>((res) => {
    const onSignal = (sig: NodeJS.Signals) => {
      logger.info('shutting down', { signal: sig });
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      stop.abort();
      res();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await Promise.race([waitForApi(client, stop.signal, logger), signalled]);
  if (stop.signal.aborted) {
    client.transport.close?.();
    return;
  }
  const local = await startLocalAgent({
    client,
    ...(tls ? { streamsTls: tls } : {}),
    dataDir: o.dataDir,
    logger,
    signal: stop.signal,
    nodeName,
    nodeIP,
    runtime: o.runtime,
    ...(registriesFromFlags(o) ? { registries: registriesFromFlags(o)! } : {}),
    kubeletPort,
    podCidr: o.podCidr,
    ...(o.cniBridge ? { bridge: o.cniBridge } : {}),
    podNetwork: o.podNetwork !== false,
    metricsIntervalMs,
    services: nodeServicesFromFlags(o, hostUpstreams),
  });
  const net = local.network.mode === 'cni' ? `pod network ${local.network.podCidr} on ${o.cniBridge ?? 'tug1'}` : 'pods on the host network';
  const streams = local.agent.streamPort !== undefined ? `streams at ${local.agent.hostIP}:${local.agent.streamPort}` : 'no stream endpoint (logs/exec need --ca-dir)';
  process.stdout.write(`tug: node agent ${JSON.stringify(nodeName)} running against ${url || o.kubeconfig} (${local.runtimeName} runtime, ${net}, ${streams})\n`);

  await signalled;
  process.stdout.write('tug: stopping pods (the node is going away)...\n');
  await local.shutdown(graceMs);
  client.transport.close?.();
  process.stdout.write('tug: agent stopped\n');
}
