import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { configmaps, namespaces, pods } from './resources.js';
import { resourcePath } from './rest.js';
import { startTestApi, type TestApi } from './testing.js';
import type { WatchEvent } from './types.js';

const cm = (name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

describe('resourcePath', () => {
  const cases: [Parameters<typeof resourcePath>, string][] = [
    [[pods, 'default'], '/api/v1/namespaces/default/pods'],
    [[pods, undefined], '/api/v1/pods'],
    [[pods, 'ns', 'p1', 'status'], '/api/v1/namespaces/ns/pods/p1/status'],
    [[namespaces, 'ignored', 'kube-system'], '/api/v1/namespaces/kube-system'],
    [[{ group: 'apps', version: 'v1', resource: 'deployments', namespaced: true }, 'a', 'd', 'scale'], '/apis/apps/v1/namespaces/a/deployments/d/scale'],
  ];
  for (const [args, want] of cases) it(want, () => assert.equal(resourcePath(...args), want));
  it('refuses a named namespaced path without a namespace', () => assert.throws(() => resourcePath(pods, undefined, 'p'), /namespace is required/));
});

describe('RestClient over the in-process transport', () => {
  let t: TestApi;
  before(async () => (t = await startTestApi()));
  after(async () => t.close());

  it('creates, gets, updates and deletes', async () => {
    const c = await t.client.create(configmaps, 'default', cm('one'));
    assert.equal(c.metadata?.name, 'one');
    assert.ok(c.metadata?.resourceVersion);
    const g = await t.client.get(configmaps, 'default', 'one');
    assert.deepEqual(g['data'], { a: '1' });
    const u = await t.client.update(configmaps, 'default', { ...g, data: { a: '2' } });
    assert.deepEqual(u['data'], { a: '2' });
    assert.notEqual(u.metadata?.resourceVersion, g.metadata?.resourceVersion);
    // a stale resourceVersion is a Conflict
    await assert.rejects(t.client.update(configmaps, 'default', { ...g, data: { a: '3' } }), (e: unknown) => e instanceof ApiError && e.code === 409 && e.reason === 'Conflict');
    await t.client.delete(configmaps, 'default', 'one');
    await assert.rejects(t.client.get(configmaps, 'default', 'one'), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 404);
      assert.equal(e.reason, 'NotFound');
      assert.equal(e.message, 'configmaps "one" not found');
      return true;
    });
  });

  it('turns an existing name into AlreadyExists', async () => {
    await t.client.create(configmaps, 'default', cm('dup'));
    await assert.rejects(t.client.create(configmaps, 'default', cm('dup')), (e: unknown) => e instanceof ApiError && e.reason === 'AlreadyExists');
  });

  it('patches with every patch type', async () => {
    await t.client.create(configmaps, 'default', cm('p', { a: '1' }));
    let o = await t.client.patch(configmaps, 'default', 'p', 'merge', { data: { b: '2' } });
    assert.deepEqual(o['data'], { a: '1', b: '2' });
    o = await t.client.patch(configmaps, 'default', 'p', 'json', [{ op: 'remove', path: '/data/a' }]);
    assert.deepEqual(o['data'], { b: '2' });
    o = await t.client.patch(configmaps, 'default', 'p', 'strategic', { metadata: { labels: { x: 'y' } } });
    assert.deepEqual(o.metadata?.labels, { x: 'y' });
    o = await t.client.patch(configmaps, 'default', 'p', 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p' }, data: { c: '3' } }, { fieldManager: 'me', force: true });
    assert.equal((o['data'] as Record<string, string>)['c'], '3');
    assert.ok(o.metadata?.managedFields?.some((m) => m.manager === 'me' && m.operation === 'Apply'));
  });

  it('lists with selectors and pages', async () => {
    for (let i = 0; i < 5; i++) await t.client.create(configmaps, 'default', cm(`page-${i}`, {}, { set: 'paged' }));
    const all = await t.client.list(configmaps, 'default', { labelSelector: 'set=paged' });
    assert.equal(all.items.length, 5);
    const first = await t.client.list(configmaps, 'default', { labelSelector: 'set=paged', limit: 2 });
    assert.equal(first.items.length, 2);
    assert.ok(first.metadata.continue);
    const second = await t.client.list(configmaps, 'default', { labelSelector: 'set=paged', limit: 2, continue: first.metadata.continue });
    assert.deepEqual(
      second.items.map((o) => o.metadata?.name),
      ['page-2', 'page-3'],
    );
    const ns = await t.client.list(namespaces, undefined);
    assert.ok(ns.items.some((o) => o.metadata?.name === 'kube-system'));
  });

  it('watches from a resourceVersion and closes', async () => {
    const start = await t.client.create(configmaps, 'default', cm('w0'));
    const w = t.client.watch(configmaps, 'default', { resourceVersion: start.metadata?.resourceVersion });
    const seen: WatchEvent[] = [];
    const done = (async () => {
      for await (const ev of w) {
        seen.push(ev);
        if (seen.length === 3) w.close();
      }
    })();
    await t.client.create(configmaps, 'default', cm('w1'));
    await t.client.patch(configmaps, 'default', 'w1', 'merge', { data: { z: '1' } });
    await t.client.delete(configmaps, 'default', 'w1');
    await done;
    assert.deepEqual(
      seen.map((e) => `${e.type} ${e.object.metadata?.name}`),
      ['ADDED w1', 'MODIFIED w1', 'DELETED w1'],
    );
  });

  it('throws an ERROR event as an ApiError (410 for a compacted version)', async () => {
    const a = await t.client.create(configmaps, 'default', cm('c1'));
    await t.client.create(configmaps, 'default', cm('c2'));
    await t.store.compact(await t.store.currentRevision());
    const w = t.client.watch(configmaps, 'default', { resourceVersion: a.metadata?.resourceVersion });
    await assert.rejects(
      (async () => {
        for await (const _ of w) void _;
      })(),
      (e: unknown) => e instanceof ApiError && e.code === 410 && e.reason === 'Expired',
    );
  });

  it('ends a watch when its signal aborts', async () => {
    const ac = new AbortController();
    const w = t.client.watch(configmaps, 'default', { signal: ac.signal });
    const it = w[Symbol.asyncIterator]();
    const first = await it.next(); // the initial ADDED events (no resourceVersion given)
    assert.equal(first.done, false);
    ac.abort();
    for (;;) if ((await it.next()).done) break;
  });
});
