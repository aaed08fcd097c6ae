// One conformance suite for every store backend: same inputs, same answers, same events.
// Each backend's test file calls runConformance with a factory. Every case works under its own random key prefix,
// so one store instance (one etcd server, say) can serve the whole suite.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isStoreError, type Store, type StoreErrorCode, type WatchEvent } from './types.js';

export interface ConformanceTarget {
  store: Store;
  /** Called once after the suite (stop servers, remove temp dirs). */
  cleanup(): Promise<void>;
}

async function rejectsWith(p: Promise<unknown>, code: StoreErrorCode): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    assert.ok(isStoreError(err, code), `expected StoreError ${code}, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected StoreError ${code}, but the call succeeded`);
}

/** Collect events from a watch until pred says stop, failing after timeoutMs. */
export async function collect(
  watch: AsyncIterable<WatchEvent> & { close(): void },
  until: (seen: WatchEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<WatchEvent[]> {
  const seen: WatchEvent[] = [];
  const timer = setTimeout(() => watch.close(), timeoutMs);
  try {
    for await (const ev of watch) {
      seen.push(ev);
      if (until(seen)) break;
    }
  } finally {
    clearTimeout(timer);
    watch.close();
  }
  if (!until(seen)) assert.fail(`watch timed out after ${timeoutMs} ms with ${seen.length} events`);
  return seen;
}

export function runConformance(name: string, open: () => Promise<ConformanceTarget>): void {
  describe(`store conformance: ${name}`, () => {
    let target: ConformanceTarget;
    let s: Store;
    let p: string;
    before(async () => {
      target = await open();
      s = target.store;
    });
    after(async () => {
      await target?.store.close();
      await target?.cleanup();
    });
    const fresh = () => (p = `/conf/${randomBytes(6).toString('hex')}/`);

    it('creates, gets, and refuses a second create', async () => {
      fresh();
      const kv = await s.create(`${p}a`, 'one');
      assert.equal(kv.value, 'one');
      assert.equal(kv.createRevision, kv.modRevision);
      const got = await s.get(`${p}a`);
      assert.deepEqual(got, kv);
      await rejectsWith(s.create(`${p}a`, 'two'), 'AlreadyExists');
      assert.equal((await s.get(`${p}a`))?.value, 'one');
      assert.equal(await s.get(`${p}missing`), undefined);
    });

    it('keeps one global, strictly increasing revision', async () => {
      fresh();
      const before = await s.currentRevision();
      const a = await s.create(`${p}a`, '1');
      const b = await s.create(`${p}b`, '2');
      const a2 = await s.update(`${p}a`, '3', a.modRevision);
      assert.ok(a.modRevision > before);
      assert.ok(b.modRevision > a.modRevision);
      assert.ok(a2.modRevision > b.modRevision);
      assert.equal(a2.createRevision, a.createRevision);
      assert.ok((await s.currentRevision()) >= a2.modRevision);
    });

    it('compare-and-swaps updates and deletes on the mod revision', async () => {
      fresh();
      const v1 = await s.create(`${p}k`, 'v1');
      const v2 = await s.update(`${p}k`, 'v2', v1.modRevision);
      const err = await rejectsWith(s.update(`${p}k`, 'stale', v1.modRevision), 'Conflict');
      assert.equal((err as { current?: { value: string } }).current?.value, 'v2');
      await rejectsWith(s.update(`${p}nope`, 'x', 1), 'NotFound');
      await rejectsWith(s.delete(`${p}k`, v1.modRevision), 'Conflict');
      assert.equal((await s.get(`${p}k`))?.value, 'v2');
      const gone = await s.delete(`${p}k`, v2.modRevision);
      assert.equal(gone.value, 'v2');
      assert.ok(gone.deleteRevision > v2.modRevision);
      assert.equal(await s.get(`${p}k`), undefined);
      await rejectsWith(s.delete(`${p}k`), 'NotFound');
    });

    it('re-creates a deleted key with a new create revision', async () => {
      fresh();
      const first = await s.create(`${p}k`, 'a');
      await s.delete(`${p}k`);
      const again = await s.create(`${p}k`, 'b');
      assert.ok(again.createRevision > first.createRevision);
      assert.equal((await s.get(`${p}k`))?.value, 'b');
      // the old incarnation's revision no longer works as a CAS token
      await rejectsWith(s.update(`${p}k`, 'c', first.modRevision), 'Conflict');
    });

    it('lets exactly one of many concurrent creators win', async () => {
      fresh();
      const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => s.create(`${p}race`, `w${i}`)));
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) {
        if (r.status === 'rejected') assert.ok(isStoreError(r.reason, 'AlreadyExists'), String(r.reason));
      }
      const winner = (won[0] as PromiseFulfilledResult<{ value: string }>).value.value;
      assert.equal((await s.get(`${p}race`))?.value, winner);
    });

    it('lets exactly one of many concurrent updaters with the same token win', async () => {
      fresh();
      const kv = await s.create(`${p}cas`, 'start');
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) => s.update(`${p}cas`, `u${i}`, kv.modRevision)),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(isStoreError(r.reason, 'Conflict'));
    });

    it('ranges by prefix only, in key order', async () => {
      fresh();
      await s.create(`${p}b`, '2');
      await s.create(`${p}a`, '1');
      await s.create(`${p.slice(0, -1)}x`, 'outside'); // shares the prefix text without the slash
      await s.create(`${p}c/d`, '3');
      const r = await s.range(p);
      assert.deepEqual(
        r.kvs.map((kv) => kv.key),
        [`${p}a`, `${p}b`, `${p}c/d`],
      );
      assert.equal(r.more, false);
      assert.ok(r.revision >= Math.max(...r.kvs.map((kv) => kv.modRevision)));
    });

    it('paginates consistently at one revision while writes go on', async () => {
      fresh();
      const keys: string[] = [];
      for (let i = 0; i < 25; i++) {
        const k = `${p}item-${String(i).padStart(3, '0')}`;
        keys.push(k);
        await s.create(k, `v${i}`);
      }
      const first = await s.range(p, { limit: 10 });
      assert.equal(first.kvs.length, 10);
      assert.equal(first.more, true);
      const pages = [first.kvs];
      let last = first.kvs.at(-1)!.key;
      let more: boolean = first.more;
      let n = 0;
      while (more) {
        // writes between pages: new keys, deletes and updates must not show up in this listing
        await s.create(`${p}item-${String(100 + n).padStart(3, '0')}`, 'late');
        await s.delete(keys[24 - n]!);
        const cur = await s.get(keys[n]!);
        await s.update(keys[n]!, 'changed', cur!.modRevision);
        n++;
        const page = await s.range(p, { limit: 10, continueAfter: last, revision: first.revision });
        assert.equal(page.revision, first.revision);
        pages.push(page.kvs);
        more = page.more;
        if (page.kvs.length > 0) last = page.kvs.at(-1)!.key;
      }
      const listed = pages.flat();
      assert.deepEqual(
        listed.map((kv) => kv.key),
        keys,
      );
      assert.deepEqual(
        listed.map((kv) => kv.value),
        keys.map((_, i) => `v${i}`),
      );
      // and now, at the current revision, the writes are visible
      const now = await s.range(p);
      assert.equal(now.kvs.find((kv) => kv.key === keys[0])?.value, 'changed');
      assert.equal(now.kvs.find((kv) => kv.key === keys[24]), undefined);
    });

    it('reads keys and ranges as they were at a past revision', async () => {
      fresh();
      const a1 = await s.create(`${p}a`, 'a1');
      const r1 = await s.currentRevision();
      await s.update(`${p}a`, 'a2', a1.modRevision);
      await s.create(`${p}b`, 'b1');
      const r2 = await s.currentRevision();
      await s.delete(`${p}a`);
      assert.equal((await s.get(`${p}a`, { revision: r1 }))?.value, 'a1');
      assert.equal((await s.get(`${p}a`, { revision: r2 }))?.value, 'a2');
      assert.equal(await s.get(`${p}a`), undefined);
      assert.equal(await s.get(`${p}b`, { revision: r1 }), undefined);
      const old = await s.range(p, { revision: r2 });
      assert.deepEqual(
        old.kvs.map((kv) => [kv.key, kv.value]),
        [
          [`${p}a`, 'a2'],
          [`${p}b`, 'b1'],
        ],
      );
      assert.equal(old.revision, r2);
      await rejectsWith(s.get(`${p}a`, { revision: (await s.currentRevision()) + 1000 }), 'FutureRevision');
    });

    it('delivers create, update and delete events with previous values', async () => {
      fresh();
      const start = await s.currentRevision();
      const kv = await s.create(`${p}x`, 'one');
      const kv2 = await s.update(`${p}x`, 'two', kv.modRevision);
      await s.delete(`${p}x`);
      await s.create(`${p.slice(0, -1)}-other`, 'not mine');
      const evs = await collect(s.watch(p, { afterRevision: start }), (seen) => seen.length >= 3);
      assert.deepEqual(
        evs.map((e) => e.type),
        ['create', 'update', 'delete'],
      );
      assert.equal(evs[0]!.kv?.value, 'one');
      assert.equal(evs[0]!.prev, undefined);
      assert.equal(evs[1]!.kv?.value, 'two');
      assert.equal(evs[1]!.prev?.value, 'one');
      assert.equal(evs[1]!.revision, kv2.modRevision);
      assert.equal(evs[2]!.kv, undefined);
      assert.equal(evs[2]!.prev?.value, 'two');
      assert.equal(evs[2]!.prev?.modRevision, kv2.modRevision);
    });

    it('watches from a past revision with no gap and no duplicate while writes continue', async () => {
      fresh();
      const revs: number[] = [];
      for (let i = 0; i < 50; i++) revs.push((await s.create(`${p}pre-${i}`, String(i))).modRevision);
      const from = revs[19]!; // ask for everything after the 20th write
      const writer = (async () => {
        for (let i = 0; i < 150; i++) {
          revs.push((await s.create(`${p}live-${i}`, String(i))).modRevision);
        }
      })();
      const watch = s.watch(p, { afterRevision: from });
      const expected = 30 + 150;
      const evs = await collect(watch, (seen) => seen.length >= expected, 20_000);
      await writer;
      const want = revs.filter((r) => r > from);
      assert.deepEqual(
        evs.map((e) => e.revision),
        want,
      );
      for (let i = 1; i < evs.length; i++) assert.ok(evs[i]!.revision > evs[i - 1]!.revision);
    });

    it('watches only future events when no revision is given', async () => {
      fresh();
      await s.create(`${p}old`, 'old');
      const watch = s.watch(p);
      // give the watch time to be established; the event below must arrive, the one above must not
      await new Promise((r) => setTimeout(r, 200));
      await s.create(`${p}new`, 'new');
      const evs = await collect(watch, (seen) => seen.length >= 1);
      assert.equal(evs[0]!.key, `${p}new`);
    });

    it('ends iteration when a watch is closed or its signal aborts', async () => {
      fresh();
      const ac = new AbortController();
      const watch = s.watch(p, { signal: ac.signal });
      const done = (async () => {
        let n = 0;
        for await (const _ of watch) n++;
        return n;
      })();
      setTimeout(() => ac.abort(), 50);
      assert.equal(await done, 0);
    });

    it('fails reads and watches below the compacted revision, keeping live values', async () => {
      fresh();
      const a = await s.create(`${p}a`, 'a1');
      const a2 = await s.update(`${p}a`, 'a2', a.modRevision);
      await s.create(`${p}b`, 'b1');
      const gone = await s.create(`${p}c`, 'c1');
      await s.delete(`${p}c`, gone.modRevision);
      const rev = await s.currentRevision();
      await s.compact(rev);
      assert.ok((await s.compactedRevision()) >= rev);
      await rejectsWith(s.get(`${p}a`, { revision: a.modRevision }), 'Compacted');
      await rejectsWith(s.range(p, { revision: a.modRevision }), 'Compacted');
      await rejectsWith(
        collect(s.watch(p, { afterRevision: a.modRevision - 1 }), () => false, 5_000),
        'Compacted',
      );
      assert.equal((await s.get(`${p}a`))?.value, 'a2');
      assert.equal((await s.get(`${p}a`))?.modRevision, a2.modRevision);
      assert.deepEqual(
        (await s.range(p)).kvs.map((kv) => kv.key),
        [`${p}a`, `${p}b`],
      );
      // CAS still works on the surviving revision, and a watch from the compaction point still works
      const a3 = await s.update(`${p}a`, 'a3', a2.modRevision);
      const evs = await collect(s.watch(p, { afterRevision: rev }), (seen) => seen.length >= 1);
      assert.equal(evs[0]!.revision, a3.modRevision);
    });

    it('stores 1 MiB values intact', async () => {
      fresh();
      const big = randomBytes(512 * 1024).toString('hex'); // 1 MiB of text
      const kv = await s.create(`${p}big`, big);
      assert.equal((await s.get(`${p}big`))?.value.length, big.length);
      assert.equal((await s.get(`${p}big`))?.value, big);
      const bigger = big.split('').reverse().join('');
      await s.update(`${p}big`, bigger, kv.modRevision);
      assert.equal((await s.range(p)).kvs[0]?.value, bigger);
    });

    it('handles unicode keys and values, ordered by UTF-8 bytes', async () => {
      fresh();
      const names = ['zebra', 'Äpfel', 'ünïcødé', '日本語', '😀-emoji', 'a\u00e9'];
      for (const n of names) await s.create(`${p}${n}`, `wert ${n} ✓`);
      const r = await s.range(p);
      const sorted = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      assert.deepEqual(
        r.kvs.map((kv) => kv.key.slice(p.length)),
        sorted,
      );
      assert.equal((await s.get(`${p}日本語`))?.value, 'wert 日本語 ✓');
      const page = await s.range(p, { limit: 2, continueAfter: `${p}${sorted[1]}` });
      assert.deepEqual(
        page.kvs.map((kv) => kv.key.slice(p.length)),
        sorted.slice(2, 4),
      );
    });
  });
}
