// `npm run bench -- store [--seconds N] [--churn-updates N] [--backends a,b]`
// Side by side for sqlite, etcd and memory: write throughput and latency at 1 and 64 concurrent writers,
// watch delivery latency with 1,000 watchers on one prefix, and the database size after lease-like churn
// (100 keys each updated many times) with background compaction on.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, sqliteFile, type StoreConfig } from '../src/store/open.js';
import type { Store } from '../src/store/types.js';
import { startEtcd } from '../test/support/etcd-server.js';
import { load, nowMs, round, summarize } from './stats.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}
const seconds = Number(arg('seconds', '3'));
const churnUpdates = Number(arg('churn-updates', '10000'));
const backends = arg('backends', 'sqlite,etcd,memory').split(',');

interface Opened {
  store: Store;
  sizeBytes(): number;
  close(): Promise<void>;
}

async function open(backend: string): Promise<Opened | undefined> {
  if (backend === 'memory') {
    const store = await openStore({ backend: 'memory' });
    return { store, sizeBytes: () => NaN, close: () => store.close() };
  }
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tug-bench-'));
    const cfg: StoreConfig = { backend: 'sqlite', dataDir: dir };
    const store = await openStore(cfg);
    const file = sqliteFile(dir);
    const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
    return {
      store,
      sizeBytes: () => size(file) + size(`${file}-wal`) + size(`${file}-shm`),
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (backend === 'etcd') {
    if (!existsSync('/usr/bin/etcd')) return undefined;
    const etcd = await startEtcd();
    const store = await openStore({ backend: 'etcd', endpoints: [etcd.endpoint] });
    const dbFile = join(etcd.dataDir, 'member', 'snap', 'db');
    return {
      store,
      sizeBytes: () => (existsSync(dbFile) ? statSync(dbFile).size : NaN),
      close: async () => {
        await store.close();
        await etcd.stop();
      },
    };
  }
  throw new Error(`unknown backend ${backend}`);
}

const value = JSON.stringify({ kind: 'ConfigMap', data: { payload: 'x'.repeat(400) } });

async function writes(store: Store, concurrency: number) {
  const prefix = `/bench/w${concurrency}/`;
  return load(concurrency, seconds * 1000, (w, i) => store.create(`${prefix}${w}-${i}`, value));
}

/** Delivery latency: from the moment a write is issued until each of 1,000 watchers has the event. */
async function watchFanout(store: Store, watchers = 1000, events = 200) {
  const prefix = '/bench/watch/';
  const issued = new Map<string, number>();
  const lat: number[] = [];
  let received = 0;
  const start = await store.currentRevision();
  const ws = Array.from({ length: watchers }, () => store.watch(prefix, { afterRevision: start }));
  const done = Promise.all(
    ws.map(async (w) => {
      let n = 0;
      for await (const ev of w) {
        const t0 = issued.get(ev.key);
        if (t0 !== undefined) lat.push(nowMs() - t0);
        received++;
        if (++n >= events) break;
      }
    }),
  );
  await new Promise((r) => setTimeout(r, 500)); // let every watch be established
  for (let i = 0; i < events; i++) {
    const key = `${prefix}e-${i}`;
    issued.set(key, nowMs());
    await store.create(key, value);
    await new Promise((r) => setTimeout(r, 5)); // ~200 writes/s: measure delivery, not queueing
  }
  const timeout = setTimeout(() => ws.forEach((w) => w.close()), 30_000);
  await done;
  clearTimeout(timeout);
  return { watchers, events, delivered: received, ...summarize(lat) };
}

/** 100 keys, each updated `updates` times by its own compare-and-swap loop, as node leases churn. */
async function churn(o: Opened, keys = 100, updates = churnUpdates) {
  const t0 = nowMs();
  await Promise.all(
    Array.from({ length: keys }, async (_, k) => {
      const key = `/registry/leases/kube-node-lease/node-${k}`;
      let kv = await o.store.create(key, value);
      for (let i = 0; i < updates; i++) kv = await o.store.update(key, value, kv.modRevision);
    }),
  );
  const elapsed = (nowMs() - t0) / 1000;
  const sizeAtEnd = o.sizeBytes();
  await new Promise((r) => setTimeout(r, 6000)); // give background compaction its next round
  return {
    keys,
    updates_per_key: updates,
    writes_per_s: Math.round((keys * updates) / elapsed),
    seconds: round(elapsed, 1),
    size_mb_at_end: round(sizeAtEnd / 1e6, 2),
    size_mb_after_compaction: round(o.sizeBytes() / 1e6, 2),
    compacted_revision: await o.store.compactedRevision(),
    current_revision: await o.store.currentRevision(),
  };
}

const results: Record<string, unknown> = {};
for (const b of backends) {
  const o = await open(b);
  if (!o) {
    results[b] = { skipped: 'etcd not installed (apt-get install etcd-server)' };
    continue;
  }
  try {
    const r: Record<string, unknown> = {};
    r.writes_1 = await writes(o.store, 1);
    r.writes_64 = await writes(o.store, 64);
    r.watch_1000 = await watchFanout(o.store);
    results[b] = r;
  } finally {
    await o.close();
  }
  // lease churn with background compaction, on a fresh database so the size is the churn's alone
  // (sqlite's own compactor; etcd leaves compaction to its client, as Kubernetes' apiserver does it)
  if (b === 'sqlite') {
    const fresh = (await open(b))!;
    try {
      (results[b] as Record<string, unknown>).churn = await churn(fresh);
    } finally {
      await fresh.close();
    }
  }
  process.stderr.write(`bench store: ${b} done\n`);
}
process.stdout.write(`${JSON.stringify({ bench: 'store', seconds_per_load: seconds, results }, null, 2)}\n`);
