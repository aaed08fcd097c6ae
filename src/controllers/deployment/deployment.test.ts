import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { RecordedEvents } from '../common/events.js';
import { deploymentsRef, podsRef, replicaSetsRef } from '../common/resources.js';
import { RecordingClient, RecordingQueue, StaticInformerFactory } from '../common/testing.js';
import type { Deployment, Pod, ReplicaSet } from '../common/types.js';
import { DeploymentController } from './controller.js';
import { computeHash } from './hash.js';

const clock = new FakeClock(new Date('2026-01-01T12:00:00Z'));
const iso = (s = 0) => new Date(clock.now().getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const template = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });

function deployment(o: { replicas?: number; image?: string; strategy?: string; paused?: boolean; annotations?: Record<string, string>; status?: Deployment['status'] } = {}): Deployment {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'd-uid', generation: 3, annotations: o.annotations ?? {} },
    spec: {
      replicas: o.replicas ?? 4,
      selector: { matchLabels: { app: 'web' } },
      template: template(o.image ?? 'v2'),
      strategy: o.strategy === 'Recreate' ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      paused: o.paused ?? false,
    },
    status: o.status ?? {},
  };
}

function replicaSet(image: string, replicas: number, available: number, revision: number, age: number): ReplicaSet {
  const hash = computeHash(template(image));
  const t = template(image);
  return {
    metadata: {
      name: `web-${hash}`,
      namespace: 'ns',
      uid: `rs-${image}`,
      generation: 1,
      creationTimestamp: iso(age),
      labels: { app: 'web', 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/revision': String(revision), 'deployment.kubernetes.io/desired-replicas': '4', 'deployment.kubernetes.io/max-replicas': '5' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true }],
    },
    spec: { replicas, selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } }, template: { ...t, metadata: { labels: { ...t.metadata.labels, 'pod-template-hash': hash } } } },
    status: { replicas, availableReplicas: available, readyReplicas: available, observedGeneration: 1 },
  };
}

function setup(d: Deployment, rss: ReplicaSet[], pods: Pod[] = []) {
  const informers = new StaticInformerFactory();
  informers.informer(deploymentsRef).items.set('ns/web', d);
  for (const rs of rss) informers.informer(replicaSetsRef).items.set(`ns/${rs.metadata?.name}`, rs);
  for (const p of pods) informers.informer(podsRef).items.set(`ns/${p.metadata?.name}`, p);
  const client = new RecordingClient(informers);
  const recorder = new RecordedEvents();
  const queue = new RecordingQueue();
  const c = new DeploymentController({ client, informers, clock, logger: silentLogger, recorder, queue });
  return { c, client, recorder, queue };
}

const rsUpdates = (client: RecordingClient) =>
  client.actions.filter((a) => a.verb === 'update' && a.resource === 'replicasets').map((a) => [a.name, (a.object as ReplicaSet).spec?.replicas]);

describe('deployment reconcile', () => {
  it('a new deployment creates its replica set at the surge size, revision 1, with Progressing NewReplicaSetCreated', async () => {
    const { c, client, recorder } = setup(deployment({ replicas: 4 }), []);
    await c.reconcile('ns/web');
    const created = client.actions.find((a) => a.verb === 'create')!.object as ReplicaSet;
    const hash = computeHash(template('v2'));
    assert.equal(created.metadata?.name, `web-${hash}`);
    assert.equal(created.spec?.replicas, 4);
    assert.deepEqual(created.spec?.selector?.matchLabels, { app: 'web', 'pod-template-hash': hash });
    assert.equal(created.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(created.metadata?.annotations?.['deployment.kubernetes.io/max-replicas'], '5');
    assert.equal(created.metadata?.ownerReferences?.[0]?.uid, 'd-uid');
    const patch = client.actions.find((a) => a.verb === 'patch' && a.resource === 'deployments')!.patch;
    assert.deepEqual(patch, { metadata: { annotations: { 'deployment.kubernetes.io/revision': '1' } } });
    const statusWrites = client.actions.filter((a) => a.subresource === 'status').map((a) => (a.object as Deployment).status?.conditions?.find((x) => x.type === 'Progressing')?.reason);
    assert.ok(statusWrites.includes('NewReplicaSetCreated'));
    assert.deepEqual(recorder.events.map((e) => e.message), [`Scaled up replica set web-${hash} from 0 to 4`]);
  });

  it('rolling: scales the new replica set up to replicas + maxSurge first', async () => {
    const { c, client } = setup(deployment({ annotations: { 'deployment.kubernetes.io/revision': '2' } }), [replicaSet('v1', 4, 4, 1, 100), replicaSet('v2', 0, 0, 2, 10)]);
    await c.reconcile('ns/web');
    assert.deepEqual(rsUpdates(client), [[`web-${computeHash(template('v2'))}`, 1]]);
  });

  it('rolling: then scales old down as far as maxUnavailable allows', async () => {
    const { c, client, recorder } = setup(deployment({ annotations: { 'deployment.kubernetes.io/revision': '2' } }), [replicaSet('v1', 4, 4, 1, 100), replicaSet('v2', 1, 0, 2, 10)]);
    await c.reconcile('ns/web');
    // 5 pods, 4 available, minAvailable 3; the new one is unavailable: 5 - 3 - 1 = 1 may go.
    assert.deepEqual(rsUpdates(client), [[`web-${computeHash(template('v1'))}`, 3]]);
    assert.match(recorder.events[0]!.message, /^Scaled down replica set web-\w+ from 4 to 3$/);
  });

  it('recreate: scales old to zero, and waits for old pods before creating the new replica set', async () => {
    const old = replicaSet('v1', 4, 4, 1, 100);
    const first = setup(deployment({ strategy: 'Recreate' }), [old]);
    await first.c.reconcile('ns/web');
    assert.deepEqual(rsUpdates(first.client), [[old.metadata?.name, 0]]);
    assert.ok(!first.client.actions.some((a) => a.verb === 'create'));

    const drained = { ...old, spec: { ...old.spec!, replicas: 0 }, status: { replicas: 0 } };
    const pod: Pod = { metadata: { name: 'p', namespace: 'ns', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: old.metadata!.name!, uid: old.metadata!.uid!, controller: true }] }, status: { phase: 'Running' } };
    const waiting = setup(deployment({ strategy: 'Recreate' }), [drained], [pod]);
    await waiting.c.reconcile('ns/web');
    assert.ok(!waiting.client.actions.some((a) => a.verb === 'create'));

    const gone = setup(deployment({ strategy: 'Recreate' }), [drained]);
    await gone.c.reconcile('ns/web');
    const created = gone.client.actions.find((a) => a.verb === 'create')?.object as ReplicaSet;
    assert.equal(created.spec?.replicas, 4);
  });

  it('paused: no rollout, Progressing becomes DeploymentPaused', async () => {
    const { c, client } = setup(deployment({ paused: true }), [replicaSet('v1', 4, 4, 1, 100)]);
    await c.reconcile('ns/web');
    assert.ok(!client.actions.some((a) => a.verb === 'create' || (a.verb === 'update' && a.resource === 'replicasets')));
    const reasonsWritten = client.actions.filter((a) => a.subresource === 'status').map((a) => (a.object as Deployment).status?.conditions?.find((x) => x.type === 'Progressing')?.reason);
    assert.equal(reasonsWritten[0], 'DeploymentPaused');
  });

  it('a resize mid-rollout scales proportionally', async () => {
    const d = deployment({ replicas: 8, annotations: { 'deployment.kubernetes.io/revision': '2' } });
    const { c, client } = setup(d, [replicaSet('v1', 3, 3, 1, 100), replicaSet('v2', 2, 0, 2, 10)]);
    await c.reconcile('ns/web');
    // Old max was 5 (4 + 1), new max 9: 3*9/5 = 5.4 -> 5, 2*9/5 = 3.6 -> 4.
    assert.deepEqual(rsUpdates(client).map(([, n]) => n), [5, 4]);
  });

  it('times out after progressDeadlineSeconds without progress, and requeues for the deadline before that', async () => {
    const status = { observedGeneration: 3, replicas: 5, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 2, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'x', lastUpdateTime: iso(500), lastTransitionTime: iso(500) }, { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: iso(500), lastTransitionTime: iso(500) }] };
    const rss = () => [replicaSet('v1', 3, 3, 1, 100), replicaSet('v2', 2, 0, 2, 10)];
    // Nothing can move (surge and unavailability both used up by the two unready new pods): requeue at the deadline.
    const early = setup(deployment({ annotations: { 'deployment.kubernetes.io/revision': '2' }, status: structuredClone(status) }), rss());
    await early.c.reconcile('ns/web');
    assert.deepEqual(early.client.writes(), []);
    assert.deepEqual(early.queue.delayed, [{ key: 'ns/web', ms: 101_000 }]);

    status.conditions[0]!.lastUpdateTime = iso(700);
    const late = setup(deployment({ annotations: { 'deployment.kubernetes.io/revision': '2' }, status }), rss());
    await late.c.reconcile('ns/web');
    const written = late.client.actions.find((a) => a.subresource === 'status')!.object as Deployment;
    const p = written.status?.conditions?.find((x) => x.type === 'Progressing');
    assert.deepEqual([p?.status, p?.reason, p?.message], ['False', 'ProgressDeadlineExceeded', `ReplicaSet "web-${computeHash(template('v2'))}" has timed out progressing.`]);
  });

  it('rollback through the deprecated annotation copies the old template and clears the annotation', async () => {
    const d = deployment({ annotations: { 'deployment.kubernetes.io/revision': '2', 'deprecated.deployment.rollback.to': '0' } });
    const { c, client, recorder } = setup(d, [replicaSet('v1', 0, 0, 1, 100), replicaSet('v2', 4, 4, 2, 10)]);
    await c.reconcile('ns/web');
    const upd = client.actions.find((a) => a.verb === 'update' && a.resource === 'deployments' && !a.subresource)!.object as Deployment;
    assert.equal(upd.spec?.template?.spec?.containers[0]?.image, 'v1');
    assert.equal(upd.spec?.template?.metadata?.labels?.['pod-template-hash'], undefined);
    assert.equal(upd.metadata?.annotations?.['deprecated.deployment.rollback.to'], undefined);
    assert.deepEqual(recorder.reasons(), ['DeploymentRollback']);
  });

  it('adopts a matching orphan replica set', async () => {
    const orphan = replicaSet('v2', 4, 4, 1, 10);
    delete orphan.metadata!.ownerReferences;
    const { c, client } = setup(deployment(), [orphan]);
    await c.reconcile('ns/web');
    assert.equal(client.actions.filter((a) => a.verb === 'patch' && a.resource === 'replicasets').length, 1);
  });
});
