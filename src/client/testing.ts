// Test fixture for this folder and for other parts' tests: a real API server over a MemoryStore, reached through
// the in-process transport (real API semantics, no sockets).
import { createApiServer, type ApiServer, type ApiServerOptions } from '../apiserver/index.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import type { Clock } from '../util/clock.js';
import { RestClient } from './rest.js';
import { inProcessTransport } from './transport.js';

export interface TestApi {
  api: ApiServer;
  store: MemoryStore;
  client: RestClient;
  close(): Promise<void>;
}

export async function startTestApi(
  opts: { clock?: Clock; bookmarkIntervalMs?: number; admission?: ApiServerOptions['admission'] } = {},
): Promise<TestApi> {
  const store = new MemoryStore();
  const api = createApiServer({
    store,
    clock: opts.clock,
    authenticate: () => ({ name: 'admin', groups: ['system:masters', 'system:authenticated'] }),
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
    admission: opts.admission,
  });
  await api.init();
  const client = new RestClient(inProcessTransport((req, res) => api.handle(req, res)), { fieldManager: 'test' });
  return {
    api,
    store,
    client,
    async close() {
      await api.close();
      await store.close();
    },
  };
}
