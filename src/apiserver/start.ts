// What `tug server` calls: credentials and kubeconfig under the data dir, then HTTPS on the listen address.
import { join } from 'node:path';
import type { Store } from '../store/types.js';
import type { Logger } from '../util/logger.js';
import { fileAuthenticator } from './auth.js';
import { ensurePki } from './pki/ensure.js';
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
}

export interface RunningApiServer {
  /** https://HOST:PORT (the real port when 0 was asked for). */
  url: string;
  kubeconfigPath: string;
  /** The admin bearer token (DATA/pki/tokens.csv). */
  adminToken: string;
  server: ApiServer;
  close(): Promise<void>;
}

export async function startApiServer(o: StartApiServerOptions): Promise<RunningApiServer> {
  const sans = [...(o.tlsSans ?? [])];
  const host = o.listen.host;
  if (host && host !== '0.0.0.0' && host !== '::' && !sans.includes(host)) sans.push(host);
  const pki = ensurePki(o.dataDir, sans);
  const server = createApiServer({
    store: o.store,
    logger: o.logger,
    hooks: o.hooks,
    tls: { key: pki.server.key, cert: pki.server.cert, ca: pki.ca.cert },
    authenticate: fileAuthenticator(pki.tokenFile),
  });
  const addr = await server.listen(host, o.listen.port);
  // Clients reach a wildcard listener through loopback.
  const clientHost = addr.host === '0.0.0.0' || addr.host === '::' ? '127.0.0.1' : addr.host;
  const url = `https://${clientHost.includes(':') ? `[${clientHost}]` : clientHost}:${addr.port}`;
  const kubeconfigPath = join(o.dataDir, 'kubeconfig.yaml');
  writeKubeconfig(kubeconfigPath, pki, url);
  return { url, kubeconfigPath, adminToken: pki.adminToken, server, close: () => server.close() };
}
