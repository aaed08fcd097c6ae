// StatefulSet step planning (ordering), identity, status, and a reconcile against recorded actions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statefulsets } from '../../client/resources.js';
import { FakeClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { RecordingClient, RecordingQueue, StaticInformerFactory } from '../common/testing.js';
import type { Pod } from '../common/types.js';
import { StatefulSetController } from './controller.js';
import { claimOwners, newClaims, newPod } from './identity.js';
import { planSteps, type OrdinalState, type Step } from './plan.js';
import { setStatusCounts } from './status.js';
import type { StatefulSet } from './types.js';

const st = (ordinal: number, revision = 'r1', o: Partial<OrdinalState> = {}): OrdinalState => ({ ordinal, revision, terminating: false, finished: false, healthy: true, ...o });
const pods = (...s: OrdinalState[]) => new Map(s.map((x) => [x.ordinal, x]));
const base = { replicas: 3, parallel: false, partition: 0 as number | undefined, currentRevision: 'r1', updateRevision: 'r1' };

describe('statefulset steps', () => {
  const cases: { name: string; input: Partial<typeof base> & { pods: Map<number, OrdinalState> }; steps: Step[] }[] = [
    { name: 'empty: create 0 only (OrderedReady)', input: { pods: pods() }, steps: [{ op: 'create', ordinal: 0, revision: 'update' }] },
    { name: 'waits for 0 to be healthy', input: { pods: pods(st(0, 'r1', { healthy: false })) }, steps: [] },
    { name: 'then creates 1', input: { pods: pods(st(0)) }, steps: [{ op: 'create', ordinal: 1, revision: 'update' }] },
    { name: 'Parallel creates all at once', input: { parallel: true, pods: pods() }, steps: [0, 1, 2].map((n) => ({ op: 'create' as const, ordinal: n, revision: 'update' as const })) },
    { name: 'a missing middle pod comes back first', input: { pods: pods(st(0), st(2)) }, steps: [{ op: 'create', ordinal: 1, revision: 'update' }] },
    { name: 'a failed pod is deleted to be replaced', input: { pods: pods(st(0), st(1, 'r1', { finished: true, healthy: false }), st(2)) }, steps: [{ op: 'delete', ordinal: 1, why: 'finished' }] },
    { name: 'scale down: highest first, one at a time', input: { replicas: 1, pods: pods(st(0), st(1), st(2)) }, steps: [{ op: 'delete', ordinal: 2, why: 'condemned' }] },
    { name: 'scale down waits for a terminating pod', input: { replicas: 1, pods: pods(st(0), st(1), st(2, 'r1', { terminating: true })) }, steps: [] },
    { name: 'Parallel scale down: all condemned', input: { replicas: 1, parallel: true, pods: pods(st(0), st(1), st(2)) }, steps: [{ op: 'delete', ordinal: 2, why: 'condemned' }, { op: 'delete', ordinal: 1, why: 'condemned' }] },
    { name: 'update starts at the highest ordinal', input: { updateRevision: 'r2', pods: pods(st(0), st(1), st(2)) }, steps: [{ op: 'delete', ordinal: 2, why: 'update' }] },
    { name: 'replacement of 2 is recreated at the update revision', input: { updateRevision: 'r2', pods: pods(st(0), st(1)) }, steps: [{ op: 'create', ordinal: 2, revision: 'update' }] },
    { name: 'then 1, once 2 is healthy', input: { updateRevision: 'r2', pods: pods(st(0), st(1), st(2, 'r2')) }, steps: [{ op: 'delete', ordinal: 1, why: 'update' }] },
    { name: 'waits while the updated 2 is not ready', input: { parallel: true, updateRevision: 'r2', pods: pods(st(0), st(1), st(2, 'r2', { healthy: false })) }, steps: [] },
    { name: 'then 0', input: { updateRevision: 'r2', pods: pods(st(0), st(1, 'r2'), st(2, 'r2')) }, steps: [{ op: 'delete', ordinal: 0, why: 'update' }] },
    { name: 'partition 2 stops after ordinal 2', input: { partition: 2, updateRevision: 'r2', pods: pods(st(0), st(1), st(2, 'r2')) }, steps: [] },
    { name: 'below the partition, a recreated pod keeps the current revision', input: { partition: 2, updateRevision: 'r2', pods: pods(st(1), st(2, 'r2')) }, steps: [{ op: 'create', ordinal: 0, revision: 'current' }] },
    { name: 'OnDelete never deletes for an update', input: { partition: undefined, updateRevision: 'r2', pods: pods(st(0), st(1), st(2)) }, steps: [] },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(planSteps({ ...base, ...c.input }), c.steps);
    });
});

const set = (o: Partial<NonNullable<StatefulSet['spec']>> = {}): StatefulSet => ({
  metadata: { name: 'web', namespace: 'ns', uid: 'set-uid', generation: 3 },
  spec: {
    replicas: 2,
    serviceName: 'nginx',
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }], volumes: [{ name: 'www', emptyDir: {} }] } },
    volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    ...o,
  },
});

describe('statefulset identity', () => {
  it('pod web-1: hostname, subdomain, labels, claim in place of the template volume', () => {
    const p = newPod(set(), set().spec?.template, 1, 'web-abc');
    assert.equal(p.metadata?.name, 'web-1');
    assert.equal(p.spec?.hostname, 'web-1');
    assert.equal(p.spec?.subdomain, 'nginx');
    assert.deepEqual(p.metadata?.labels, { app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-1', 'apps.kubernetes.io/pod-index': '1', 'controller-revision-hash': 'web-abc' });
    assert.deepEqual(p.spec?.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-1' } }]);
  });
  it('claims carry the selector labels and the retention policy owners', () => {
    const [c] = newClaims(set({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } }), 0);
    assert.equal(c?.metadata?.name, 'www-web-0');
    assert.deepEqual(c?.metadata?.labels, { app: 'web' });
    assert.equal(c?.metadata?.ownerReferences?.[0]?.uid, 'set-uid');
    const pod: Pod = { metadata: { name: 'web-3', uid: 'p3' } };
    assert.deepEqual(claimOwners(set({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } }), pod, 3).map((r) => r.uid), ['p3']);
    assert.deepEqual(claimOwners(set({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } }), pod, 1), []);
  });
});

describe('statefulset status', () => {
  const pod = (rev: string, ready: boolean): Pod => ({ metadata: { labels: { 'controller-revision-hash': rev } }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
  const now = new Date();
  it('counts per revision while rolling', () => {
    const s = setStatusCounts({ pods: [pod('a', true), pod('b', true), pod('b', false)], specReplicas: 3, rollingUpdate: true, minReadySeconds: 0, currentRevision: 'a', updateRevision: 'b', now });
    assert.deepEqual(s, { replicas: 3, readyReplicas: 2, availableReplicas: 2, currentReplicas: 1, updatedReplicas: 2, currentRevision: 'a', updateRevision: 'b' });
  });
  it('a finished rollout makes the update revision current', () => {
    const s = setStatusCounts({ pods: [pod('b', true), pod('b', true)], specReplicas: 2, rollingUpdate: true, minReadySeconds: 0, currentRevision: 'a', updateRevision: 'b', now });
    assert.equal(s.currentRevision, 'b');
    assert.equal(s.currentReplicas, 2);
  });
});

describe('statefulset reconcile', () => {
  it('creates a revision, the claim of web-0, then web-0, and writes status', async () => {
    const informers = new StaticInformerFactory();
    informers.informer<StatefulSet>(statefulsets).set(set());
    const client = new RecordingClient(informers);
    const c = new StatefulSetController({ client, informers, clock: new FakeClock(), logger: silentLogger, queue: new RecordingQueue() });
    await c.reconcile('ns/web');
    const w = client.writes();
    assert.match(w[0]!, /^create controllerrevisions web-/);
    assert.deepEqual(w.slice(1), ['create persistentvolumeclaims www-web-0', 'create pods web-0', 'update statefulsets/status web']);
    const status = client.actions.at(-1)!.object!.status as Record<string, unknown>;
    assert.equal(status.currentRevision, status.updateRevision);
    assert.equal(status.observedGeneration, 3);
  });
});
