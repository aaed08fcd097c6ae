// Starts a Tugboat API server in process on the SQLite store (the backend users run by default), on a free
// port with a temp data dir, and gives an HTTPS client for it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type RunningApiServer } from '../../src/apiserver/index.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { apiClient, caFromKubeconfig, type ApiClient } from './api-client.js';

export interface SqliteTugServer {
  url: string;
  dataDir: string;
  kubeconfig: string;
  adminToken: string;
  ca: string;
  api: RunningApiServer;
  store: Store;
  client(maxSockets?: number): ApiClient;
  stop(): Promise<void>;
}

export async function startSqliteTugServer(o: { backend?: 'sqlite' | 'memory' } = {}): Promise<SqliteTugServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tug-api-'));
  const store = o.backend === 'memory' ? await openStore({ backend: 'memory' }) : await openStore({ backend: 'sqlite', dataDir });
  const api = await startApiServer({ dataDir, listen: { host: '127.0.0.1', port: 0 }, store });
  const ca = caFromKubeconfig(api.kubeconfigPath);
  const clients: ApiClient[] = [];
  return {
    url: api.url,
    dataDir,
    kubeconfig: api.kubeconfigPath,
    adminToken: api.adminToken,
    ca,
    api,
    store,
    client(maxSockets?: number) {
      const c = apiClient({ url: api.url, token: api.adminToken, ca, maxSockets });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.close();
      await api.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
