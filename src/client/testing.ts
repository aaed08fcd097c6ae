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
  opts: { clock?: Clock; bookmarkIntervalMs?: number; admission?: ApiServerOptions['admission']; hooks?: ApiServerOptions['hooks'] } = {},
): Promise<TestApi> {
  const store = new MemoryStore();
  const api = createApiServer({
    store,
    clock: opts.clock,
    authenticate: () => ({ name: 'admin', groups: ['system:masters', 'system:authenticated'] }),
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
    admission: opts.admission,
    hooks: opts.hooks,
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

/** Polls fn (real time) until it returns a value; a throw counts as "not yet". Fails after ms. */
export async function eventually<T>(fn: () => Promise<T | undefined>, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** For eventually: true once the read fails with 404, undefined while the object is still there. */
export const gone = (read: Promise<unknown>): Promise<true | undefined> =>
  read.then(
    () => undefined,
    (e: { code?: number }) => (e.code === 404 ? true : undefined),
  );
