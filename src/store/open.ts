// Opens the configured backend. Backends load lazily so that a server on SQLite never loads the gRPC stack.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError, type Store } from './types.js';

export type StoreConfig =
  | { backend: 'sqlite'; dataDir: string }
  | { backend: 'etcd'; endpoints: string[]; prefix?: string }
  | { backend: 'memory' };

export const STORE_BACKENDS = ['sqlite', 'etcd', 'memory'] as const;

/** Where the SQLite backend keeps its database under a data dir. */
export function sqliteFile(dataDir: string): string {
  return join(dataDir, 'db', 'state.db');
}

export async function openStore(cfg: StoreConfig): Promise<Store> {
  switch (cfg.backend) {
    case 'memory': {
      const { MemoryStore } = await import('./memory/memory-store.js');
      return new MemoryStore();
    }
    case 'sqlite': {
      const file = sqliteFile(cfg.dataDir);
      try {
        mkdirSync(join(cfg.dataDir, 'db'), { recursive: true, mode: 0o700 });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new StoreError(
          'PermissionDenied',
          `cannot create ${join(cfg.dataDir, 'db')} (${code ?? String(err)}): choose a --data-dir you can write to`,
        );
      }
      const { SqliteStore } = await import('./sqlite/sqlite-store.js');
      return await SqliteStore.open({ file });
    }
    case 'etcd': {
      if (cfg.endpoints.length === 0) {
        throw new StoreError('Unavailable', 'the etcd store needs --etcd-endpoints (e.g. http://127.0.0.1:2379)');
      }
      const { EtcdStore } = await import('./etcd/etcd-store.js');
      return await EtcdStore.open({ endpoints: cfg.endpoints, prefix: cfg.prefix });
    }
  }
}
