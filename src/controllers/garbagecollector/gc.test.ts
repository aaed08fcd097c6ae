import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject, OwnerReference } from '../../api/object.js';
import { createInformerFactory } from '../../client/informer-factory.js';
import { eventually, gone, startTestApi, type TestApi } from '../../client/testing.js';
import { realClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { GarbageCollector } from './controller.js';
import { decide, type OwnerState } from './decide.js';
import { resolveKind } from './kinds.js';

describe('gc decisions', () => {
  const ref = (uid: string, block = false): OwnerReference => ({ apiVersion: 'v1', kind: 'ConfigMap', name: uid, uid, ...(block ? { blockOwnerDeletion: true } : {}) });
  const obj = (refs: OwnerReference[], finalizers?: string[]): KubeObject => ({ metadata: { name: 'x', ownerReferences: refs, ...(finalizers ? { finalizers } : {}) } });
  const cases: { name: string; obj: KubeObject; states: Record<string, OwnerState>; deps?: boolean; want: unknown }[] = [
    { name: 'owner there', obj: obj([ref('a')]), states: { a: 'solid' }, want: { kind: 'keep' } },
    { name: 'owner gone', obj: obj([ref('a')]), states: { a: 'dangling' }, want: { kind: 'delete', propagationPolicy: 'Background' } },
    { name: 'owner gone, own orphan finalizer', obj: obj([ref('a')], ['orphan']), states: { a: 'dangling' }, want: { kind: 'delete', propagationPolicy: 'Orphan' } },
    { name: 'one of two owners gone', obj: obj([ref('a'), ref('b')]), states: { a: 'solid', b: 'dangling' }, want: { kind: 'rewrite-refs', ownerReferences: [ref('a')] } },
    { name: 'owner unknown', obj: obj([ref('a')]), states: { a: 'unknown' }, want: { kind: 'keep' } },
    { name: 'owner waiting', obj: obj([ref('a', true)]), states: { a: 'waiting' }, want: { kind: 'delete', propagationPolicy: 'Background' } },
    { name: 'owner waiting, has dependents', obj: obj([ref('a', true)]), states: { a: 'waiting' }, deps: true, want: { kind: 'delete', propagationPolicy: 'Foreground' } },
    {
      name: 'waiting owner and a solid one: stop blocking',
      obj: obj([ref('a', true), ref('b')]),
      states: { a: 'waiting', b: 'solid' },
      want: { kind: 'rewrite-refs', ownerReferences: [{ ...ref('a'), blockOwnerDeletion: false }, ref('b')] },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(decide(c.obj, new Map(Object.entries(c.states)), c.deps ?? false), c.want));

  it('resolves kinds, replacing unserved versions', () => {
    assert.deepEqual(resolveKind('apps/v1beta2', 'ReplicaSet', [])?.ref, { group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true });
    assert.deepEqual(resolveKind('v1', 'Node', [])?.ref, { group: '', version: 'v1', resource: 'nodes', namespaced: false });
    assert.equal(resolveKind('example.com/v1', 'Widget', []), undefined);
  });
});

const CM = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };
const ROLES = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', namespaced: true };


describe('garbage collector against the API server', () => {
  let t: TestApi;
  let done: Promise<void>;
  const ac = new AbortController();
  before(async () => {
    t = await startTestApi();
    const gc = new GarbageCollector({ client: t.client, informers: createInformerFactory({ client: t.client, logger: silentLogger }), clock: realClock, logger: silentLogger, signal: ac.signal });
    done = gc.run(ac.signal);
  });
  after(async () => {
    ac.abort();
    await done;
    await t.close();
  });

  const make = async (name: string, owners: KubeObject[] = [], block = false): Promise<KubeObject> =>
    t.client.create(CM, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        ...(owners.length ? { ownerReferences: owners.map((o) => ({ apiVersion: o.apiVersion ?? 'v1', kind: o.kind ?? 'ConfigMap', name: o.metadata?.name ?? '', uid: o.metadata?.uid ?? '', ...(block ? { blockOwnerDeletion: true } : {}) })) } : {}),
      },
    });

  it('background: dependents of a deleted owner go', async () => {
    const owner = await make('bg-owner');
    const child = await make('bg-child', [owner]);
    await make('bg-grandchild', [child]);
    await t.client.delete(CM, 'default', 'bg-owner');
    await eventually(() => gone(t.client.get(CM, 'default', 'bg-child')), 'child gone');
    await eventually(() => gone(t.client.get(CM, 'default', 'bg-grandchild')), 'grandchild gone');
  });

  it('a dependent whose owner never existed goes; one with a live owner of an unwatched kind stays', async () => {
    await make('dangling', [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nobody', uid: '00000000-0000-0000-0000-000000000000' } }]);
    const role = await t.client.create(ROLES, 'default', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' }, rules: [] });
    await make('kept', [{ ...role, apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' }]);
    await eventually(() => gone(t.client.get(CM, 'default', 'dangling')), 'dangling gone');
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(await t.client.get(CM, 'default', 'kept'));
  });

  it('foreground: the owner waits for blocking dependents, then goes', async () => {
    const owner = await make('fg-owner');
    const child = await make('fg-child', [owner], true);
    // A finalizer of someone else's holds the child, so the owner must wait.
    await t.client.patch(CM, 'default', 'fg-child', 'merge', { metadata: { finalizers: ['example.com/hold'] } });
    await t.client.delete(CM, 'default', 'fg-owner', { propagationPolicy: 'Foreground' });
    const waiting = await eventually(async () => {
      const c = await t.client.get(CM, 'default', 'fg-child');
      return c.metadata?.deletionTimestamp ? c : undefined;
    }, 'child deleting');
    assert.equal(waiting.metadata?.uid, child.metadata?.uid);
    const o = await t.client.get(CM, 'default', 'fg-owner');
    assert.deepEqual(o.metadata?.finalizers, ['foregroundDeletion']);
    await t.client.patch(CM, 'default', 'fg-child', 'merge', { metadata: { finalizers: null } });
    await eventually(() => gone(t.client.get(CM, 'default', 'fg-owner')), 'owner gone');
  });

  it('orphan: dependents lose the reference and stay', async () => {
    const owner = await make('or-owner');
    await make('or-child', [owner]);
    await t.client.delete(CM, 'default', 'or-owner', { propagationPolicy: 'Orphan' });
    await eventually(() => gone(t.client.get(CM, 'default', 'or-owner')), 'owner gone');
    const c = await t.client.get(CM, 'default', 'or-child');
    assert.equal(c.metadata?.ownerReferences, undefined);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(await t.client.get(CM, 'default', 'or-child'));
  });
});
