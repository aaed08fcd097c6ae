// What `tug server` calls: credentials and kubeconfig under the data dir, then HTTPS on the listen address.
import { nodeFromStore, podStreamRelay } from './streams/relay.js';
import { createMetricsApi } from './metrics/index.js';
import { join } from 'node:path';
import type { Store } from '../store/types.js';
import type { Logger } from '../util/logger.js';
import { fileAuthenticator } from './auth.js';
import type { AdmissionConfig } from './admission/types.js';
import { ensurePki, type Pki } from './pki/ensure.js';
import { ensureServiceAccountKey } from './serviceaccount/key.js';
import { writeKubeconfig } from './pki/kubeconfig.js';
import { createApiServer, type ApiServer } from './server.js';
import type { Hooks } from './types.js';

export interface StartApiServerOptions {
  dataDir: string;
  listen: { host: string; port: number };
  store: Store;
  /** Extra subject alternative names for the serving certificate. */
  tlsSans?: string[];
  logger?: Logger;
  hooks?: Hooks;
  /** Admission settings: `--eviction-timeout` is defaultTolerationSeconds; requireServiceAccount where the serviceaccount controller runs. */
  admission?: Partial<AdmissionConfig>;
  /** How often metrics.k8s.io scrapes the node agents (default 15 s, metrics-server's). */
  metricsResolutionMs?: number;
}

export interface RunningApiServer {
  /** https://HOST:PORT (the real port when 0 was asked for). */
  url: string;
  kubeconfigPath: string;
  /** The admin bearer token (DATA/pki/tokens.csv). */
  adminToken: string;
  /** The cluster's credentials (the node agent's serving certificate is signed by pki.ca). */
  pki: Pki;
  server: ApiServer;
  close(): Promise<void>;
}

export async function startApiServer(o: StartApiServerOptions): Promise<RunningApiServer> {
  const sans = [...(o.tlsSans ?? [])];
  const host = o.listen.host;
  if (host && host !== '0.0.0.0' && host !== '::' && !sans.includes(host)) sans.push(host);
  const pki = ensurePki(o.dataDir, sans);
  // log, exec, attach and port-forward are relayed to the pod's node agent unless the caller plugs in another way
  const hooks = o.hooks ?? {};
  hooks.podStream ??= podStreamRelay({
    getNode: nodeFromStore(o.store),
    tls: { key: pki.kubeletClient.key, cert: pki.kubeletClient.cert, ca: pki.ca.cert },
  });
  // metrics.k8s.io from the node agents' /metrics/resource, as metrics-server would serve it
  const metrics = hooks.metrics ? undefined : createMetricsApi({ store: o.store, logger: o.logger, resolutionMs: o.metricsResolutionMs, tls: { key: pki.kubeletClient.key, cert: pki.kubeletClient.cert, ca: pki.ca.cert } });
  if (metrics) hooks.metrics = (rr) => metrics.handle(rr);
  const server = createApiServer({
    store: o.store,
    logger: o.logger,
    hooks,
    tls: { key: pki.server.key, cert: pki.server.cert, ca: pki.ca.cert },
    authenticate: fileAuthenticator(pki.tokenFile),
    admission: o.admission,
    serviceAccountKey: ensureServiceAccountKey(o.dataDir),
  });
  const addr = await server.listen(host, o.listen.port);
  void metrics?.run(server.context.shutdown);
  // Clients reach a wildcard listener through loopback.
  const clientHost = addr.host === '0.0.0.0' || addr.host === '::' ? '127.0.0.1' : addr.host;
  const url = `https://${clientHost.includes(':') ? `[${clientHost}]` : clientHost}:${addr.port}`;
  const kubeconfigPath = join(o.dataDir, 'kubeconfig.yaml');
  writeKubeconfig(kubeconfigPath, pki, url);
  return { url, kubeconfigPath, adminToken: pki.adminToken, pki, server, close: () => server.close() };
}
