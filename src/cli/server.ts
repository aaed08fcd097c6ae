// `tug server`: the store and (as later parts land) the API server, controllers and node agent in one process.
import { Command } from 'commander';
import { resolve } from 'node:path';
import { openStore, sqliteFile, STORE_BACKENDS, type StoreConfig } from '../store/open.js';
import type { Hooks } from '../apiserver/index.js';
import { evictionChecker } from '../controllers/disruption/index.js';
import { realClock } from '../util/clock.js';
import { startControlPlane } from './control-plane.js';
import { createLogger, type Logger } from '../util/logger.js';
import { inProcessClient } from '../client/index.js';
import { loadDemo } from './demo.js';
import { defaultDataDir, flag, parseListen } from './options.js';

export interface ServerOptions {
  dataDir: string;
  listen: string;
  store: string;
  etcdEndpoints?: string;
  tlsSan?: string[];
  agent: boolean;
  verbose: number;
  /** Load the demo workload (examples/demo.yaml) once the API answers. */
  demo?: boolean;
  simNodes?: string;
  nodeGracePeriod?: string;
  evictionTimeout?: string;
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
  return new Command('server')
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
    .addOption(flag('--no-agent', 'do not run a node agent in this process (none runs yet in this version)'))
    .addOption(flag('--sim-nodes <n>', 'register N simulated nodes that run pods without containers', '0'))
    .addOption(flag('--node-grace-period <seconds>', 'how long a silent node stays Ready', '40'))
    .addOption(
      flag('--eviction-timeout <seconds>', 'how long pods stay on an unreachable node without their own toleration', '300'),
    )
    .addOption(
      flag('-v, --verbose', 'log more (-v info, -vv debug)').argParser((_v: string, prev: number | undefined) => (prev ?? 0) + 1),
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
    tlsSans: o.tlsSan ?? [],
    logger,
    hooks,
    // pods tolerate an unreachable node for the eviction timeout; the serviceaccount controller runs here
    admission: { defaultTolerationSeconds: evictionTimeoutMs / 1000, requireServiceAccount: true },
  });
  const client = inProcessClient((req, res) => api.server.handle(req, res), {
    token: api.adminToken,
    fieldManager: 'tug-server',
  });
  hooks.checkEviction = evictionChecker(client, realClock);

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
  });
  const demo = o.demo ? await loadDemo(client, logger) : 0;
  process.stdout.write(`tug: Kubernetes API ready at ${api.url}; kubeconfig written to ${api.kubeconfigPath}\n`);
  if (demo > 0) {
    process.stdout.write(
      `tug: demo workload loaded (examples/demo.yaml); try: KUBECONFIG=${api.kubeconfigPath} kubectl -n demo get all\n`,
    );
  }

  await waitForSignal(logger);
  stop.abort();
  await Promise.race([cp.done, realClock.sleep(5000)]);
  await api.close();
  await store.close();
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
