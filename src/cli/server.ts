// `tug server`: the store, the API server, the controllers and scheduler, and (unless --no-agent) the node agent
// that runs this machine's pods, in one process. SIGTERM/SIGINT stop it all, the pods included (local-agent.ts).
import { Command } from 'commander';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { openStore, sqliteFile, STORE_BACKENDS, type StoreConfig } from '../store/open.js';
import type { Hooks } from '../apiserver/index.js';
import { evictionChecker } from '../controllers/disruption/index.js';
import { realClock } from '../util/clock.js';
import { startControlPlane } from './control-plane.js';
import { createLogger, type Logger } from '../util/logger.js';
import { inProcessClient } from '../client/index.js';
import { loadDemo } from './demo.js';
import { checkRuntime, registriesFromFlags, registryFlags, RUNTIMES, startLocalAgent, type LocalAgent } from './local-agent.js';
import { defaultDataDir, flag, parseListen } from './options.js';
import { machineIP } from '../node/index.js';
import { advertiseAddress } from './advertise.js';
import { readFileSync } from 'node:fs';
import { addNodeServiceFlags, hostResolvConfUpstreams, nodeServicesFromFlags, type NodeServiceFlags } from './node-services.js';

/** The host's nameservers, for names outside the cluster (read when DNS starts, not at import). */
export const hostUpstreams = () => {
  try {
    return hostResolvConfUpstreams(readFileSync('/etc/resolv.conf', 'utf8'));
  } catch {
    return [];
  }
};

export interface ServerOptions extends NodeServiceFlags {
  dataDir: string;
  listen: string;
  store: string;
  etcdEndpoints?: string;
  tlsSan?: string[];
  /** The API's address for pods and other machines (the `kubernetes` Service's endpoint). */
  advertiseAddress?: string;
  agent: boolean;
  verbose: number;
  runtime?: string;
  insecureRegistry?: string[];
  registryCa?: string[];
  nodeName?: string;
  nodeIp?: string;
  kubeletPort?: string;
  podCidr?: string;
  cniBridge?: string;
  /** false: every pod on the host network. */
  podNetwork?: boolean;
  /** Cap on a pod's grace period when the server stops its pods on shutdown. */
  shutdownGracePeriod?: string;
  /** Called once the server is ready (tug up prints its guide). */
  onReady?(info: ReadyInfo): Promise<void> | void;
  /** Load the demo workload (examples/demo.yaml) once the API answers. */
  demo?: boolean;
  simNodes?: string;
  nodeGracePeriod?: string;
  evictionTimeout?: string;
  metricsResolution?: string;
  metricsSampleInterval?: string;
  hpaSyncPeriod?: string;
  hpaDownscaleStabilization?: string;
}

export interface ReadyInfo {
  url: string;
  kubeconfigPath: string;
  client: import('../client/types.js').Client;
  /** The node agent's network mode, when one runs. */
  podNetwork?: 'cni' | 'host';
  logger: Logger;
}

export function storeConfig(o: Pick<ServerOptions, 'store' | 'dataDir' | 'etcdEndpoints'>): StoreConfig {
  switch (o.store) {
    case 'sqlite':
      return { backend: 'sqlite', dataDir: o.dataDir };
    case 'memory':
      return { backend: 'memory' };
    case 'etcd':
      return {
        backend: 'etcd',
        endpoints: (o.etcdEndpoints ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      };
    default:
      throw new Error(`--store ${JSON.stringify(o.store)} is not one of ${STORE_BACKENDS.join(', ')}`);
  }
}

export function serverCommand(): Command {
  return addNodeServiceFlags(
    new Command('server')
    .description('run a Tugboat server: store and Kubernetes API (HTTPS) on this machine')
    .addOption(flag('--data-dir <dir>', 'where the database, certificates and kubeconfig live', defaultDataDir()))
    .addOption(flag('--listen <host:port>', 'address of the Kubernetes API', '127.0.0.1:6443'))
    .addOption(flag('--store <backend>', `store backend: ${STORE_BACKENDS.join('|')}`, 'sqlite'))
    .addOption(flag('--etcd-endpoints <urls>', 'comma-separated etcd client URLs (with --store etcd)'))
    .addOption(
      flag('--tls-san <name>', 'extra host name or IP for the serving certificate (repeatable)').argParser(
        (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
      ),
    )
    .addOption(flag('--advertise-address <ip>', 'address pods and other machines reach the API at (default: the --listen address; with loopback, the pod network\'s gateway, which the API then also listens on)'))
    .addOption(flag('--no-agent', 'do not run a node agent in this process (then pods run only on --sim-nodes or other agents)'))
    .addOption(flag('--runtime <name>', `container runtime of the node agent: ${RUNTIMES.join('|')} (auto: oci when root with runc or crun, else process)`, 'auto'))
    .addOption(registryFlags()[0]!)
    .addOption(registryFlags()[1]!)
    .addOption(flag('--node-name <name>', 'name of this machine\'s Node (default: the host name, lower-cased)'))
    .addOption(flag('--node-ip <ip>', 'address of this machine\'s Node (default: its first non-loopback IPv4)'))
    .addOption(flag('--kubelet-port <port>', 'where the node agent serves logs/exec/attach/port-forward to the API server (0: any free port)', '10250'))
    .addOption(flag('--pod-cidr <cidr>', 'this node\'s pod subnet, inside 10.42.0.0/16', '10.42.0.0/24'))
    .addOption(flag('--cni-bridge <name>', 'bridge the pod network hangs on', 'tug0'))
    .addOption(flag('--no-pod-network', 'run every pod on the host network (no network namespaces)'))
    .addOption(flag('--shutdown-grace-period <seconds>', 'on SIGTERM/SIGINT, how long pods may take to stop at most', '10'))
    .addOption(flag('--sim-nodes <n>', 'register N simulated nodes that run pods without containers', '0'))
    .addOption(flag('--node-grace-period <seconds>', 'how long a silent node stays Ready', '40'))
    .addOption(
      flag('--eviction-timeout <seconds>', 'how long pods stay on an unreachable node without their own toleration', '300'),
    )
    .addOption(flag('--metrics-resolution <seconds>', 'how often metrics.k8s.io scrapes the node agents', '15'))
    .addOption(flag('--metrics-sample-interval <seconds>', 'how often the node agent samples container CPU and memory', '10'))
    .addOption(flag('--hpa-sync-period <seconds>', 'how often each HorizontalPodAutoscaler is evaluated', '15'))
    .addOption(flag('--hpa-downscale-stabilization <seconds>', 'default scale-down stabilization window of HPAs', '300'))
    .addOption(
      flag('-v, --verbose', 'log more (-v info, -vv debug)').argParser((_v: string, prev: number | undefined) => (prev ?? 0) + 1),
    ),
    flag,
  )
    .action(async (opts: Omit<ServerOptions, 'verbose'> & { verbose?: number | string }) => {
      const verbose = typeof opts.verbose === 'number' ? opts.verbose : opts.verbose ? Number(opts.verbose) || 1 : 0;
      await runServer({ ...opts, verbose, dataDir: resolve(opts.dataDir) });
    });
}

export async function runServer(o: ServerOptions): Promise<void> {
  const logger = createLogger({ level: o.verbose >= 2 ? 'debug' : o.verbose === 1 ? 'info' : 'warn', component: 'tug' });
  const listen = parseListen(o.listen);
  const simNodes = nonNegativeInt('--sim-nodes', o.simNodes ?? '0');
  const nodeGracePeriodMs = nonNegativeInt('--node-grace-period', o.nodeGracePeriod ?? '40') * 1000;
  const evictionTimeoutMs = nonNegativeInt('--eviction-timeout', o.evictionTimeout ?? '300') * 1000;
  const agentOn = o.agent !== false;
  if (agentOn) checkRuntime(o.runtime ?? 'process');
  const services = nodeServicesFromFlags(o, hostUpstreams);
  const kubeletPort = nonNegativeInt('--kubelet-port', o.kubeletPort ?? '10250');
  const metricsResolutionMs = positiveInt('--metrics-resolution', o.metricsResolution ?? '15') * 1000;
  const metricsIntervalMs = positiveInt('--metrics-sample-interval', o.metricsSampleInterval ?? '10') * 1000;
  const hpa = {
    syncPeriodMs: positiveInt('--hpa-sync-period', o.hpaSyncPeriod ?? '15') * 1000,
    downscaleStabilizationMs: nonNegativeInt('--hpa-downscale-stabilization', o.hpaDownscaleStabilization ?? '300') * 1000,
  };
  const shutdownGraceMs = nonNegativeInt('--shutdown-grace-period', o.shutdownGracePeriod ?? '10') * 1000;
  const nodeIP = o.nodeIp || machineIP();
  const advertise = advertiseAddress({
    listenHost: listen.host,
    nodeIP,
    ...(o.advertiseAddress ? { given: o.advertiseAddress } : {}),
    ...(agentOn && o.podNetwork !== false ? { podCidr: o.podCidr ?? '10.42.0.0/24' } : {}),
  });
  const cfg = storeConfig(o);
  const store = await openStore(cfg);
  const where = cfg.backend === 'sqlite' ? sqliteFile(o.dataDir) : cfg.backend === 'etcd' ? cfg.endpoints.join(',') : 'memory';
  logger.info('store open', { backend: store.backend, at: where, revision: await store.currentRevision() });

  const { startApiServer } = await import('../apiserver/index.js');
  // Hooks are filled in once the client exists: the eviction check reads budgets through the API.
  const hooks: Hooks = {};
  const api = await startApiServer({
    dataDir: o.dataDir,
    listen,
    store,
    tlsSans: [...(o.tlsSan ?? []), ...(advertise ? [advertise.ip] : [])],
    logger,
    hooks,
    // pods tolerate an unreachable node for the eviction timeout; the serviceaccount controller runs here
    admission: { defaultTolerationSeconds: evictionTimeoutMs / 1000, requireServiceAccount: true },
    metricsResolutionMs,
  });
  const client = inProcessClient((req, res) => api.server.handle(req, res), {
    token: api.adminToken,
    fieldManager: 'tug-server',
  });
  hooks.checkEviction = evictionChecker(client, realClock);
  const apiPort = Number(new URL(api.url).port);

  const stop = new AbortController();
  const cp = await startControlPlane({
    client,
    clock: realClock,
    logger,
    signal: stop.signal,
    simNodes,
    nodeGracePeriodMs,
    evictionTimeoutMs,
    dataDir: o.dataDir,
    hpa,
    ...(advertise ? { apiServer: { ip: advertise.ip, port: apiPort } } : {}),
    // kube-root-ca.crt in every namespace: what pods verify the API server with
    rootCaPem: api.pki.ca.cert,
  });
  // The signal handlers go in before the agent starts containers, so a Ctrl-C from now on stops them.
  const signalled = waitForSignal(logger);
  let local: LocalAgent | undefined;
  if (agentOn) {
    const nodeName = o.nodeName || hostname().toLowerCase();
    try {
      local = await startLocalAgent({
        client,
        pki: api.pki,
        dataDir: o.dataDir,
        logger,
        signal: stop.signal,
        nodeName,
        nodeIP,
        runtime: o.runtime ?? 'process',
        ...(registriesFromFlags(o) ? { registries: registriesFromFlags(o)! } : {}),
        kubeletPort,
        podCidr: o.podCidr ?? '10.42.0.0/24',
        ...(o.cniBridge ? { bridge: o.cniBridge } : {}),
        podNetwork: o.podNetwork !== false,
        metricsIntervalMs,
        services,
      });
    } catch (e) {
      stop.abort();
      await within(cp.done, 5000);
      await api.close();
      await store.close();
      throw new Error(`the node agent could not start: ${e instanceof Error ? e.message : String(e)} (--no-agent runs without one)`);
    }
    if (advertise?.listenAlso) {
      // Pods reach the API on their gateway (directly, or through the `kubernetes` Service's ClusterIP).
      if (local.network.mode !== 'cni') process.stderr.write(`tug: warning: pods run on the host network, so they cannot reach the API at ${advertise.ip}; use --listen 0.0.0.0:${apiPort} or --advertise-address\n`);
      else {
        await api.server.listenAlso(advertise.ip, apiPort).catch((e: Error) =>
          process.stderr.write(`tug: warning: the API cannot listen on the pod gateway ${advertise.ip}:${apiPort} (${e.message}); pods will not reach it\n`),
        );
      }
    }
    const net = local.network.mode === 'cni' ? `pod network ${local.network.podCidr} on ${o.cniBridge ?? 'tug0'}` : 'pods on the host network';
    process.stdout.write(`tug: node agent ${JSON.stringify(nodeName)} at ${local.agent.hostIP}:${local.agent.streamPort ?? kubeletPort} runs pods (${local.runtimeName} runtime, ${net})\n`);
  }
  const demo = o.demo ? await loadDemo(client, logger, { singleReplica: local?.network.mode === 'host' }) : 0;
  process.stdout.write(`tug: Kubernetes API ready at ${api.url}; kubeconfig written to ${api.kubeconfigPath}\n`);
  if (o.onReady) {
    await o.onReady({ url: api.url, kubeconfigPath: api.kubeconfigPath, client, ...(local ? { podNetwork: local.network.mode } : {}), logger });
  } else if (demo > 0) {
    process.stdout.write(
      `tug: demo workload loaded (examples/demo.yaml); try: KUBECONFIG=${api.kubeconfigPath} kubectl -n demo get all\n`,
    );
  }

  await signalled;
  stop.abort();
  if (local) {
    process.stdout.write('tug: stopping pods (the node is going away)...\n');
    await local.shutdown(shutdownGraceMs);
  }
  await within(cp.done, 5000);
  await api.close();
  await store.close();
  process.stdout.write('tug: stopped\n');
}

/** Waits for p, at most ms (an unref'd timer: it must not hold the process up once everything else is done). */
function within(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolvePromise) => {
    const timer = setTimeout(resolvePromise, ms);
    timer.unref();
    void p.catch(() => undefined).then(() => {
      clearTimeout(timer);
      resolvePromise();
    });
  });
}

function positiveInt(flagName: string, v: string): number {
  const n = nonNegativeInt(flagName, v);
  if (n === 0) throw new Error(`${flagName} must be at least 1`);
  return n;
}

function nonNegativeInt(flagName: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flagName} ${JSON.stringify(v)} is not a whole number >= 0`);
  return n;
}

function waitForSignal(logger: Logger): Promise<void> {
  return new Promise((resolvePromise) => {
    const stop = (sig: NodeJS.Signals) => {
      logger.info('shutting down', { signal: sig });
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolvePromise();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
