import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { createLogger } from '../util/logger.js';
import { SharedInformerFactory } from './informer-factory.js';
import { SharedInformer } from './informer.js';
import { configmaps } from './resources.js';
import { startTestApi, type TestApi } from './testing.js';
import type { Client, WatchStream } from './types.js';

const cm = (ns: string, name: string, data: Record<string, string> = {}, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
  data,
});

/** Waits (on real time, with a deadline) until cond holds. */
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A client whose watches wait for a gate to open: lets a test change the world while the informer is not watching. */
function gatedClient(inner: Client) {
  let open: Promise<void> = Promise.resolve();
  let release = () => {};
  const client: Client = Object.create(inner) as Client;
  client.watch = <T extends KubeObject>(...args: Parameters<Client['watch']>): WatchStream<T> => {
    const gate = open;
    let w: WatchStream<T> | undefined;
    let closed = false;
    async function* gen() {
      await gate;
      if (closed) return;
      w = inner.watch<T>(...args);
      yield* w;
    }
    const it = gen();
    return { [Symbol.asyncIterator]: () => it, close: () => ((closed = true), w?.close()) };
  };
  return {
    client,
    pause() {
      open = new Promise<void>((r) => (release = r));
    },
    resume: () => release(),
  };
}

describe('SharedInformer over a real API server', () => {
  let t: TestApi;
  before(async () => {
    t = await startTestApi();
    await t.client.create({ group: '', version: 'v1', resource: 'namespaces', namespaced: false }, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'inf' } });
    await t.client.create({ group: '', version: 'v1', resource: 'namespaces', namespaced: false }, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
  });
  after(async () => t.close());

  it('lists in pages, syncs, then follows the watch with handlers in order and indexes', async () => {
    for (let i = 0; i < 5; i++) await t.client.create(configmaps, 'inf', cm('inf', `c${i}`, {}, { app: i % 2 ? 'odd' : 'even' }));
    const ac = new AbortController();
    const inf = new SharedInformer({ client: t.client, resource: configmaps, namespace: 'inf', pageSize: 2 });
    inf.addIndex('app', (o) => [o.metadata?.labels?.['app'] ?? '']);
    const log: string[] = [];
    inf.addHandlers({
      add: (o) => log.push(`add ${o.metadata?.name}`),
      update: (a, b) => log.push(`update ${a.metadata?.name} ${b['data'] ? JSON.stringify(b['data']) : ''}`),
      delete: (o) => log.push(`delete ${o.metadata?.name}`),
    });
    assert.equal(inf.hasSynced(), false);
    await inf.start(ac.signal);
    assert.equal(inf.hasSynced(), true);
    assert.deepEqual(log, ['add c0', 'add c1', 'add c2', 'add c3', 'add c4']);
    assert.equal(inf.list('inf').length, 5);
    assert.equal(inf.list('other').length, 0);
    assert.equal(inf.byIndex('app', 'odd').length, 2);
    assert.equal(inf.get('inf', 'c3')?.metadata?.name, 'c3');

    log.length = 0;
    await t.client.patch(configmaps, 'inf', 'c1', 'merge', { metadata: { labels: { app: 'even' } }, data: { v: '2' } });
    await t.client.delete(configmaps, 'inf', 'c4');
    await t.client.create(configmaps, 'inf', cm('inf', 'c5'));
    await until(() => log.length === 3);
    assert.deepEqual(log, ['update c1 {"v":"2"}', 'delete c4', 'add c5']);
    assert.equal(inf.byIndex('app', 'odd').length, 1, 'index follows the label change');
    assert.equal(inf.byIndex('namespace', 'inf').length, 5);

    // A late handler sees every cached object as an add.
    const late: string[] = [];
    inf.addHandlers({ add: (o) => late.push(o.metadata?.name ?? '') });
    assert.equal(late.length, 5);

    // A watch ended by the server (or closed) resumes from the last version without duplicates.
    log.length = 0;
    inf.restartWatch();
    await t.client.patch(configmaps, 'inf', 'c0', 'merge', { data: { v: '3' } });
    await until(() => log.length === 1);
    assert.deepEqual(log, ['update c0 {"v":"3"}']);
    ac.abort();
    await inf.stopped();
  });

  it('relists after a compaction and delivers only the differences', async () => {
    await t.client.create(configmaps, 'other', cm('other', 'x1', { v: '1' }));
    await t.client.create(configmaps, 'other', cm('other', 'x2'));
    await t.client.create(configmaps, 'other', cm('other', 'same'));
    const gated = gatedClient(t.client);
    const ac = new AbortController();
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (l) => lines.push(l) });
    const inf = new SharedInformer({ client: gated.client, resource: configmaps, namespace: 'other', logger });
    const log: string[] = [];
    inf.addHandlers({
      add: (o) => log.push(`add ${o.metadata?.name}`),
      update: (_a, b) => log.push(`update ${b.metadata?.name}`),
      delete: (o) => log.push(`delete ${o.metadata?.name}`),
    });
    await inf.start(ac.signal);
    assert.equal(log.length, 3);
    log.length = 0;
    const rvBefore = inf.lastSyncResourceVersion();

    // Stop watching, change the world, compact past the informer's version, then let it watch again.
    gated.pause();
    inf.restartWatch();
    await t.client.patch(configmaps, 'other', 'x1', 'merge', { data: { v: '2' } });
    await t.client.delete(configmaps, 'other', 'x2');
    await t.client.create(configmaps, 'other', cm('other', 'x3'));
    await t.store.compact(await t.store.currentRevision());
    gated.resume();

    await until(() => log.length === 3);
    assert.deepEqual(log.sort(), ['add x3', 'delete x2', 'update x1']);
    assert.ok(lines.some((l) => l.includes('relisting')), 'the 410 made it relist');
    assert.ok(Number(inf.lastSyncResourceVersion()) > Number(rvBefore));
    assert.deepEqual(inf.list('other').map((o) => o.metadata?.name).sort(), ['same', 'x1', 'x3']);
    // and it keeps watching after the relist
    await t.client.delete(configmaps, 'other', 'same');
    await until(() => log.length === 4);
    assert.equal(log[3], 'delete same');
    ac.abort();
    await inf.stopped();
  });

  it('factory shares one informer per resource and starts them all', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const f = new SharedInformerFactory({ client: t.client });
    const a = f.informer(configmaps);
    assert.equal(f.informer(configmaps), a);
    const ns = f.informer({ group: '', version: 'v1', resource: 'namespaces', namespaced: false });
    const ac = new AbortController();
    await f.start(ac.signal);
    assert.ok(a.hasSynced() && ns.hasSynced());
    assert.ok(ns.get(undefined, 'kube-system'));
    assert.ok(a.list().length >= 5);
    ac.abort();
    await f.stopped();
    await new Promise((r) => setImmediate(r));
    assert.equal(timers(), before, 'a stopped informer leaves no timers');
  });
});
