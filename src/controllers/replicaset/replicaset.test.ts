import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from '../../api/errors.js';
import { FakeClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { RecordedEvents } from '../common/events.js';
import { podsRef, replicaSetsRef, replicationControllersRef } from '../common/resources.js';
import { RecordingClient, RecordingQueue, StaticInformerFactory } from '../common/testing.js';
import type { Pod, ReplicaSet, ReplicationController } from '../common/types.js';
import { ReplicaController } from './controller.js';
import { replicaSetKind, replicationControllerKind } from './kinds.js';

const clock = new FakeClock(new Date('2026-01-01T12:00:00Z'));
const ts = (s = 0) => new Date(clock.now().getTime() - s * 1000).toISOString();

function rs(replicas: number, extra: Partial<ReplicaSet['spec']> = {}): ReplicaSet {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'rs-uid', generation: 2, creationTimestamp: ts(1000) },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, ...extra },
  };
}

function pod(name: string, o: { owner?: string; labels?: Record<string, string>; ready?: boolean; node?: string } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      creationTimestamp: ts(100),
      labels: o.labels ?? { app: 'web' },
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: o.owner, controller: true }] } : {}),
    },
    spec: { containers: [], nodeName: o.node ?? 'n1' },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: ts(60) }] },
  };
}

function setup(owner: ReplicaSet | ReplicationController, pods: Pod[], kind = replicaSetKind) {
  const informers = new StaticInformerFactory();
  const ownerRef = kind === replicaSetKind ? replicaSetsRef : replicationControllersRef;
  informers.informer(ownerRef).items.set('ns/web', owner);
  for (const p of pods) informers.informer(podsRef).items.set(`ns/${p.metadata?.name}`, p);
  const client = new RecordingClient(informers);
  const recorder = new RecordedEvents();
  const queue = new RecordingQueue();
  const c = new ReplicaController(kind, { client, informers, clock, logger: silentLogger, recorder, queue });
  return { c, client, recorder, queue, informers };
}

describe('replicaset reconcile', () => {
  it('creates the missing pods in slow-start batches, then waits for them (expectations)', async () => {
    const owner = rs(3);
    const { c, client, recorder } = setup(owner, []);
    await c.reconcile('ns/web');
    assert.deepEqual(client.writes(), ['create pods web-00001', 'create pods web-00002', 'create pods web-00003', 'update replicasets/status web']);
    const created = client.actions[0]!.object!;
    assert.equal(created.metadata?.generateName, 'web-');
    assert.deepEqual(created.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(created.metadata?.labels, { app: 'web' });
    assert.deepEqual(recorder.events.map((e) => e.message), ['Created pod: web-00001', 'Created pod: web-00002', 'Created pod: web-00003']);
    const status = client.actions.at(-1)!.object!.status as Record<string, unknown>;
    assert.deepEqual(status, { replicas: 0, observedGeneration: 2 });
    // The cache has not seen the pods yet: a second sync must not create more.
    owner.status = status as never;
    client.actions.length = 0;
    await c.reconcile('ns/web');
    assert.deepEqual(client.writes(), []);
    assert.deepEqual(c.expectations.pending('ns/web'), { adds: 3, deletes: 0 });
  });

  it('pod add events settle expectations', () => {
    const { c, queue, informers } = setup(rs(1), []);
    c.expectations.expect('ns/web', 1);
    informers.informer<Pod>(podsRef).set(pod('web-a', { owner: 'rs-uid' }));
    assert.ok(c.expectations.satisfied('ns/web'));
    assert.deepEqual(queue.added, ['ns/web']);
  });

  it('deletes the least useful pods when scaling down', async () => {
    const pods = [pod('a', { owner: 'rs-uid', ready: true }), pod('b', { owner: 'rs-uid', ready: false }), pod('c', { owner: 'rs-uid', ready: true, node: '' })];
    const { c, client, recorder } = setup(rs(1), pods);
    await c.reconcile('ns/web');
    assert.deepEqual(client.writes().slice(0, 2).sort(), ['delete pods b', 'delete pods c']);
    assert.deepEqual(recorder.reasons(), ['SuccessfulDelete', 'SuccessfulDelete']);
    assert.deepEqual(c.expectations.pending('ns/web'), { adds: 0, deletes: 2 });
  });

  it('adopts matching orphans and releases pods that stopped matching', async () => {
    const pods = [pod('orphan'), pod('stray', { owner: 'rs-uid', labels: { app: 'other' } }), pod('mine', { owner: 'rs-uid' })];
    const { c, client } = setup(rs(2), pods);
    await c.reconcile('ns/web');
    assert.deepEqual(client.writes(), ['patch pods orphan', 'patch pods stray', 'update replicasets/status web']);
    const adopt = client.actions.find((a) => a.name === 'orphan')!.patch as { metadata: { ownerReferences: { uid: string }[]; uid: string } };
    assert.equal(adopt.metadata.ownerReferences[0]!.uid, 'rs-uid');
    assert.equal(adopt.metadata.uid, 'uid-orphan');
    assert.deepEqual((client.actions.find((a) => a.name === 'stray')!.patch as { metadata: unknown }).metadata, { ownerReferences: [{ $patch: 'delete', uid: 'rs-uid' }], uid: 'uid-stray' });
    // Adoption re-reads the owner first.
    assert.ok(client.actions.some((a) => a.verb === 'get' && a.resource === 'replicasets'));
  });

  it('reports create failures as a ReplicaFailure condition and a FailedCreate event', async () => {
    const { c, client, recorder } = setup(rs(4), []);
    client.fail = (a) => (a.verb === 'create' ? errors.forbidden({ group: '', resource: 'pods' }, '', 'exceeded quota') : undefined);
    await assert.rejects(c.reconcile('ns/web'));
    assert.deepEqual(client.writes(), ['create pods web-00001', 'update replicasets/status web']);
    const cond = ((client.actions.at(-1)!.object!.status as { conditions: { type: string; reason: string }[] }).conditions)[0]!;
    assert.deepEqual([cond.type, cond.reason], ['ReplicaFailure', 'FailedCreate']);
    assert.deepEqual(recorder.reasons(), ['FailedCreate']);
    assert.ok(c.expectations.satisfied('ns/web'));
  });

  it('writes status from the owned pods and skips an unchanged status', async () => {
    const pods = [pod('a', { owner: 'rs-uid', ready: true }), pod('b', { owner: 'rs-uid' })];
    const owner = rs(2, { minReadySeconds: 100 });
    const { c, client, queue } = setup(owner, pods);
    await c.reconcile('ns/web');
    const status = client.actions.at(-1)!.object!.status;
    assert.deepEqual(status, { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1, observedGeneration: 2 });
    // Pod a has been ready 60 s of the 100 needed: look again in 40 s.
    assert.deepEqual(queue.delayed, [{ key: 'ns/web', ms: 40_001 }]);
    owner.status = status as never;
    client.actions.length = 0;
    await c.reconcile('ns/web');
    assert.deepEqual(client.writes(), []);
  });

  it('a ReplicationController selects with a map', async () => {
    const rc: ReplicationController = {
      metadata: { name: 'web', namespace: 'ns', uid: 'rc-uid' },
      spec: { replicas: 2, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } } },
    };
    const mine = pod('a');
    mine.metadata!.ownerReferences = [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: 'rc-uid', controller: true }];
    const { c, client } = setup(rc, [mine, pod('b', { labels: { app: 'x' } })], replicationControllerKind);
    await c.reconcile('ns/web');
    assert.deepEqual(client.writes(), ['create pods web-00001', 'update replicationcontrollers/status web']);
    assert.equal(client.actions[0]!.object!.metadata?.ownerReferences?.[0]?.kind, 'ReplicationController');
  });

  it('a deleted owner forgets its expectations', async () => {
    const { c, client, informers } = setup(rs(1), []);
    c.expectations.expect('ns/web', 3);
    informers.informer(replicaSetsRef).items.clear();
    await c.reconcile('ns/web');
    assert.deepEqual(client.writes(), []);
    assert.equal(c.expectations.pending('ns/web'), undefined);
  });
});
