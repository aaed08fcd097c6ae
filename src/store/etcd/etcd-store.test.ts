// The etcd backend against a real etcd: the shared conformance suite, then what only a shared, external store
// has: several Tugboat processes on one etcd, a key prefix, compaction done by someone else, etcd crashing under
// a watch, and a clear error when etcd is not there.
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { collect, runConformance } from '../conformance.js';
import { isStoreError, type WatchEvent } from '../types.js';
import { findTool, requireTool } from '../../../test/support/require-tool.js';
import { startEtcd, type EtcdServer } from '../../../test/support/etcd-server.js';
import { EtcdStore } from './etcd-store.js';

const INSTALL = 'apt-get install etcd-server';
const bin = findTool('etcd');

if (!bin) {
  // Skips outside CI, fails in CI.
  test('etcd store', (t) => void requireTool(t, 'etcd', INSTALL));
} else {
  runConformance('etcd', async () => {
    const etcd = await startEtcd({ bin });
    const store = await EtcdStore.open({ endpoints: [etcd.endpoint] });
    return { store, cleanup: () => etcd.stop() };
  });

  describe('etcd store: shared etcd', () => {
    let etcd: EtcdServer;
    let a: EtcdStore;
    let b: EtcdStore;
    const p = () => `/registry/test-${randomBytes(4).toString('hex')}/`;

    before(async () => {
      etcd = await startEtcd({ bin });
      a = await EtcdStore.open({ endpoints: [etcd.endpoint] });
      b = await EtcdStore.open({ endpoints: [etcd.endpoint] });
    });
    after(async () => {
      await a?.close();
      await b?.close();
      await etcd?.stop();
    });

    it('lets two stores on one etcd see each other’s writes, conflicts and watch events', async () => {
      const pre = p();
      const start = await b.currentRevision();
      const watch = b.watch(pre, { afterRevision: start });
      const kv = await a.create(`${pre}web`, 'v1');
      assert.deepEqual(await b.get(`${pre}web`), kv);
      const kv2 = await b.update(`${pre}web`, 'v2', kv.modRevision);
      await assert.rejects(a.update(`${pre}web`, 'stale', kv.modRevision), (e) => isStoreError(e, 'Conflict'));
      await assert.rejects(a.create(`${pre}web`, 'again'), (e) => isStoreError(e, 'AlreadyExists'));
      await a.delete(`${pre}web`, kv2.modRevision);
      const evs = await collect(watch, (seen) => seen.length >= 3);
      assert.deepEqual(
        evs.map((e) => [e.type, e.revision]),
        [
          ['create', kv.modRevision],
          ['update', kv2.modRevision],
          ['delete', kv2.modRevision + 1],
        ],
      );
      assert.ok((await a.currentRevision()) >= kv2.modRevision + 1);
    });

    it('finds a compaction another process made', async () => {
      const pre = p();
      await a.create(`${pre}x`, '1');
      const rev = await a.currentRevision();
      await a.compact(rev);
      assert.equal(await b.compactedRevision(), rev);
      assert.equal(await a.compactedRevision(), rev);
      await b.create(`${pre}y`, '2');
      assert.equal(await b.compactedRevision(), rev);
      await assert.rejects(b.get(`${pre}x`, { revision: rev - 1 }), (e) => isStoreError(e, 'Compacted'));
    });

    it('works through several endpoints when one of them is down', async () => {
      const dead = `http://127.0.0.1:${await unusedPort()}`;
      const s = await EtcdStore.open({ endpoints: [dead, etcd.endpoint], dialTimeoutMs: 3000 });
      try {
        const pre = p();
        const start = await s.currentRevision();
        for (let i = 0; i < 30; i++) {
          const kv = await s.create(`${pre}${i}`, 'v');
          assert.equal((await s.get(kv.key))?.value, 'v');
        }
        const evs = await collect(s.watch(pre, { afterRevision: start }), (seen) => seen.length >= 30);
        assert.equal(evs.length, 30);
      } finally {
        await s.close();
      }
    });

    it('keeps keys under its prefix and hides the prefix from callers', async () => {
      const tenant = await EtcdStore.open({ endpoints: [etcd.endpoint], prefix: '/tenant-a' });
      try {
        const pre = p();
        const start = await tenant.currentRevision();
        const kv = await tenant.create(`${pre}x`, 'mine');
        await a.create(`${pre}x`, 'not mine');
        assert.equal(kv.key, `${pre}x`);
        assert.equal((await a.get(`/tenant-a${pre}x`))?.value, 'mine');
        assert.deepEqual(
          (await tenant.range(pre)).kvs.map((x) => [x.key, x.value]),
          [[`${pre}x`, 'mine']],
        );
        const evs = await collect(tenant.watch(pre, { afterRevision: start }), (s) => s.length >= 1);
        assert.equal(evs[0]?.key, `${pre}x`);
      } finally {
        await tenant.close();
      }
    });
  });

  describe('etcd store: etcd goes away', () => {
    it('resumes a watch across an etcd crash and restart with no gap and no duplicate', async () => {
      const etcd = await startEtcd({ bin });
      const s = await EtcdStore.open({ endpoints: [etcd.endpoint] });
      try {
        const pre = '/registry/crash/';
        const from = await s.currentRevision();
        // enough history that a watch from `from` needs several catch-up batches (etcd sends 1000 revisions each)
        const revs: number[] = [];
        for (let i = 0; i < 2500; i += 50) {
          const batch = await Promise.all(Array.from({ length: 50 }, (_, j) => s.create(`${pre}k${i + j}`, 'x')));
          revs.push(...batch.map((kv) => kv.modRevision));
        }
        const watch = s.watch(pre, { afterRevision: from });
        const seen: WatchEvent[] = [];
        const it = watch[Symbol.asyncIterator]();
        const first = await it.next();
        assert.equal(first.done, false);
        seen.push(first.value as WatchEvent);
        await etcd.restart(); // SIGKILL mid catch-up, then the same ports and data
        for (let i = 0; i < 20; i++) revs.push((await s.create(`${pre}after-${i}`, 'y')).modRevision);
        revs.sort((x, y) => x - y);
        while (seen.length < revs.length) {
          const r = await it.next();
          if (r.done) break;
          seen.push(r.value);
        }
        watch.close();
        assert.deepEqual(
          seen.map((e) => e.revision),
          revs,
        );
      } finally {
        await s.close();
        await etcd.stop();
      }
    });

    it('fails fast, saying what to check, when etcd is unreachable', async () => {
      const port = await unusedPort();
      const t0 = Date.now();
      await assert.rejects(EtcdStore.open({ endpoints: [`http://127.0.0.1:${port}`], dialTimeoutMs: 1500 }), (e) => {
        assert.ok(isStoreError(e, 'Unavailable'), String(e));
        assert.match(
          e.message,
          new RegExp(`^cannot reach etcd at http://127\\.0\\.0\\.1:${port}: check --etcd-endpoints and that etcd is running`),
        );
        return true;
      });
      assert.ok(Date.now() - t0 < 4000, `took ${Date.now() - t0} ms`);
    });

    it('fails calls and watches with Unavailable once closed', async () => {
      const etcd = await startEtcd({ bin });
      try {
        const s = await EtcdStore.open({ endpoints: [etcd.endpoint] });
        const live = s.watch('/registry/closing/');
        await s.close();
        await assert.rejects(s.get('/registry/x'), (e) => isStoreError(e, 'Unavailable'));
        let n = 0;
        for await (const _ of live) n++; // a watch open at close just ends
        assert.equal(n, 0);
        await assert.rejects(
          collect(s.watch('/registry/closing/'), () => false, 2000),
          (e) => isStoreError(e, 'Unavailable'),
        );
      } finally {
        await etcd.stop();
      }
    });
  });
}

async function unusedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 1));
    });
  });
}
