import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { FakeClient, FakeInformer, matchFieldSelector, matchLabelSelector } from './fake.js';
import { SharedInformer } from './informer.js';
import { nodes, pods } from './resources.js';

const pod = (name: string, labels: Record<string, string> = {}, ns = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: 'c', image: 'i' }] },
});

describe('matchLabelSelector', () => {
  const labels = { app: 'web', tier: 'front' };
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['app in (web,db)', true],
    ['app notin (web)', false],
    ['app=web,tier in (front, back)', true],
    ['app=web,tier=back', false],
  ];
  for (const [sel, want] of cases) it(`"${sel}"`, () => assert.equal(matchLabelSelector(sel, labels), want));
  it('field selectors', () => {
    const p = { metadata: { name: 'a' }, spec: { nodeName: 'n1' } };
    assert.equal(matchFieldSelector('spec.nodeName=n1', p), true);
    assert.equal(matchFieldSelector('spec.nodeName!=n1', p), false);
    assert.equal(matchFieldSelector('spec.nodeName=,metadata.name=a', { metadata: { name: 'a' } }), true);
  });
});

describe('FakeClient', () => {
  it('records actions and keeps objects with resourceVersions and generateName', async () => {
    const f = new FakeClient();
    const made: KubeObject = await f.create(pods, 'default', { ...pod(''), metadata: { generateName: 'web-', namespace: 'default' } });
    assert.match(made.metadata?.name ?? '', /^web-[a-z0-9]{5}$/);
    assert.ok(made.metadata?.uid);
    assert.equal(made.metadata?.generation, 1);
    const got = await f.get(pods, 'default', made.metadata!.name!);
    assert.equal(got.metadata?.resourceVersion, made.metadata?.resourceVersion);
    await assert.rejects(f.update(pods, 'default', { ...got, metadata: { ...got.metadata, resourceVersion: '999' } }), (e: unknown) => e instanceof ApiError && e.reason === 'Conflict');
    const st = await f.update(pods, 'default', { ...got, status: { phase: 'Running' } }, { subresource: 'status' });
    assert.deepEqual(st['status'], { phase: 'Running' });
    const p2 = await f.patch(pods, 'default', got.metadata!.name!, 'strategic', { metadata: { labels: { a: 'b' } } });
    assert.deepEqual(p2.metadata?.labels, { a: 'b' });
    assert.deepEqual(p2['status'], { phase: 'Running' }, 'status kept on main-resource writes');
    await f.delete(pods, 'default', got.metadata!.name!);
    await assert.rejects(f.get(pods, 'default', got.metadata!.name!), (e: unknown) => e instanceof ApiError && e.code === 404);
    assert.deepEqual(
      f.writes().map((a) => `${a.verb} ${a.resource}${a.subresource ? '/' + a.subresource : ''}`),
      ['create pods', 'update pods', 'update pods/status', 'patch pods', 'delete pods'],
    );
  });

  it('lists with selectors, binds, honours finalizers and reactors', async () => {
    const f = new FakeClient().seed(pods, pod('a', { app: 'x' }), pod('b', { app: 'y' }), pod('c', { app: 'x' }, 'other'));
    f.seed(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    assert.equal((await f.list(pods, undefined, { labelSelector: 'app=x' })).items.length, 2);
    assert.equal((await f.list(pods, 'default', { labelSelector: 'app=x' })).items.length, 1);
    assert.equal((await f.list(nodes, undefined)).items.length, 1);
    await f.createSubresource(pods, 'default', 'a', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a' }, target: { kind: 'Node', name: 'n1' } } as KubeObject);
    assert.equal((f.peek(pods, 'default', 'a')!['spec'] as { nodeName: string }).nodeName, 'n1');

    await f.patch(pods, 'default', 'b', 'merge', { metadata: { finalizers: ['x/y'] } });
    const d = await f.delete(pods, 'default', 'b');
    assert.ok(d.metadata?.deletionTimestamp);
    assert.ok(f.peek(pods, 'default', 'b'));
    await f.patch(pods, 'default', 'b', 'json', [{ op: 'remove', path: '/metadata/finalizers' }]);
    assert.equal(f.peek(pods, 'default', 'b'), undefined, 'gone once the last finalizer is removed');

    f.failNext('update', 'pods', errors409());
    await assert.rejects(f.update(pods, 'default', f.peek(pods, 'default', 'a')!), (e: unknown) => e instanceof ApiError && e.code === 409);
    await f.update(pods, 'default', f.peek(pods, 'default', 'a')!);
  });

  it('serves watches, so a real informer runs over it', async () => {
    const f = new FakeClient().seed(pods, pod('a'));
    const inf = new SharedInformer({ client: f, resource: pods });
    const seen: string[] = [];
    inf.addHandlers({ add: (o) => seen.push(`add ${o.metadata?.name}`), delete: (o) => seen.push(`delete ${o.metadata?.name}`) });
    const ac = new AbortController();
    await inf.start(ac.signal);
    await f.create(pods, 'default', pod('b'));
    await f.delete(pods, 'default', 'a');
    for (let i = 0; i < 20 && seen.length < 3; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, ['add a', 'add b', 'delete a']);
    ac.abort();
    await inf.stopped();
  });
});

describe('FakeInformer', () => {
  it('preloads without events, then drives handlers by hand', () => {
    const inf = new FakeInformer(pods).preload(pod('a'), pod('b', {}, 'other'));
    const seen: string[] = [];
    inf.addHandlers({ add: (o) => seen.push(`add ${o.metadata?.name}`), update: (_o, n) => seen.push(`update ${n.metadata?.name}`), delete: (o) => seen.push(`delete ${o.metadata?.name}`) });
    assert.equal(inf.list('default').length, 1);
    assert.equal(inf.list().length, 2);
    inf.add(pod('c'));
    inf.update(pod('c', { x: 'y' }));
    inf.delete(pod('a'));
    assert.deepEqual(seen, ['add c', 'update c', 'delete a']);
    assert.equal(inf.byIndex('namespace', 'other').length, 1);
    assert.equal(inf.get('default', 'c')?.metadata?.labels?.['x'], 'y');
  });
});

function errors409() {
  return new ApiError(409, 'Conflict', 'the object has been modified');
}
