// Volume matching (table), and the claim/volume lifecycle against recorded actions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { persistentvolumeclaims, persistentvolumes, pods, storageclasses } from '../../client/resources.js';
import { FakeClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { RecordingClient, RecordingQueue, StaticInformerFactory } from '../common/testing.js';
import type { Pod } from '../common/types.js';
import { VolumeController } from './controller.js';
import { findBestVolume, mismatch } from './matching.js';
import { localPathClass } from './provision.js';
import type { PersistentVolume, PersistentVolumeClaim } from './types.js';

const pv = (name: string, size: string, o: Partial<NonNullable<PersistentVolume['spec']>> = {}, labels?: Record<string, string>, phase = 'Available'): PersistentVolume => ({
  metadata: { name, uid: `uid-${name}`, ...(labels ? { labels } : {}) },
  spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: `/d/${name}` }, ...o },
  status: { phase },
});
const pvc = (o: Partial<NonNullable<PersistentVolumeClaim['spec']>> = {}): PersistentVolumeClaim => ({
  metadata: { name: 'data', namespace: 'ns', uid: 'claim-uid' },
  spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'manual', resources: { requests: { storage: '2Gi' } }, ...o },
  status: { phase: 'Pending' },
});

describe('volume matching', () => {
  const cases: { name: string; v: PersistentVolume; c?: PersistentVolumeClaim; why: string | undefined }[] = [
    { name: 'fits', v: pv('a', '5Gi'), why: undefined },
    { name: 'too small', v: pv('a', '1Gi'), why: 'capacity' },
    { name: 'equal size fits', v: pv('a', '2Gi'), why: undefined },
    { name: 'other class', v: pv('a', '5Gi', { storageClassName: 'fast' }), why: 'storage class' },
    { name: 'missing access mode', v: pv('a', '5Gi'), c: pvc({ accessModes: ['ReadWriteMany'] }), why: 'access modes' },
    { name: 'superset of modes fits', v: pv('a', '5Gi', { accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] }), why: undefined },
    { name: 'block vs filesystem', v: pv('a', '5Gi', { volumeMode: 'Block' }), why: 'volume mode' },
    { name: 'selector misses', v: pv('a', '5Gi', {}, { tier: 'gold' }), c: pvc({ selector: { matchLabels: { tier: 'silver' } } }), why: 'selector' },
    { name: 'selector matches', v: pv('a', '5Gi', {}, { tier: 'gold' }), c: pvc({ selector: { matchLabels: { tier: 'gold' } } }), why: undefined },
    { name: 'bound elsewhere', v: pv('a', '5Gi', { claimRef: { namespace: 'ns', name: 'other', uid: 'x' } }), why: 'bound to another claim' },
    { name: 'pre-bound to us', v: pv('a', '5Gi', { claimRef: { namespace: 'ns', name: 'data' } }), why: undefined },
    { name: 'released', v: pv('a', '5Gi', {}, undefined, 'Released'), why: 'phase Released' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(mismatch(c.v, c.c ?? pvc()), c.why));

  it('the smallest fitting volume wins; a pre-bound one wins outright', () => {
    const vols = [pv('big', '10Gi'), pv('small', '3Gi'), pv('tiny', '1Gi'), pv('mid', '5Gi')];
    assert.equal(findBestVolume(pvc(), vols)?.metadata?.name, 'small');
    vols.push(pv('mine', '10Gi', { claimRef: { namespace: 'ns', name: 'data' } }));
    assert.equal(findBestVolume(pvc(), vols)?.metadata?.name, 'mine');
  });
  it('node affinity counts once a node is chosen', () => {
    const onB = pv('b', '5Gi', { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['b'] }] }] } } });
    assert.equal(findBestVolume(pvc(), [onB], { node: { name: 'a', labels: { 'kubernetes.io/hostname': 'a' } } }), undefined);
    assert.equal(findBestVolume(pvc(), [onB], { node: { name: 'b', labels: { 'kubernetes.io/hostname': 'b' } } })?.metadata?.name, 'b');
  });
});

function setup() {
  const informers = new StaticInformerFactory();
  const client = new RecordingClient(informers);
  const c = new VolumeController({ client, informers, clock: new FakeClock(), logger: silentLogger, queue: new RecordingQueue(), dataDir: '/data', removeDirectory: async () => {} });
  return { informers, client, c };
}

describe('volume controller', () => {
  it('binds a claim: volume claimRef, then claim volumeName, then statuses', async () => {
    const { informers, client, c } = setup();
    informers.informer(persistentvolumes).set(pv('small', '3Gi'));
    informers.informer(persistentvolumes).set(pv('big', '30Gi'));
    informers.informer(persistentvolumeclaims).set(pvc());
    await c.reconcile('pvc:ns/data');
    assert.deepEqual(client.writes(), ['patch persistentvolumes small', 'patch persistentvolumes/status small', 'patch persistentvolumeclaims data', 'patch persistentvolumeclaims/status data']);
    const volPatch = client.actions[0]!.patch as { spec: { claimRef: { uid: string } }; metadata: { annotations: Record<string, string> } };
    assert.equal(volPatch.spec.claimRef.uid, 'claim-uid');
    assert.equal(volPatch.metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
    const claimPatch = client.actions.find((a) => a.resource === 'persistentvolumeclaims' && !a.subresource)!.patch as { spec: { volumeName: string }; metadata: { annotations: Record<string, string> } };
    assert.equal(claimPatch.spec.volumeName, 'small');
    assert.equal(claimPatch.metadata.annotations['pv.kubernetes.io/bind-completed'], 'yes');
  });

  it('WaitForFirstConsumer: waits, then marks the node of the bound pod, then provisions a local-path volume there', async () => {
    const { informers, client, c } = setup();
    informers.informer(storageclasses).set(localPathClass());
    const claim = pvc({ storageClassName: 'local-path' });
    informers.informer(persistentvolumeclaims).set(claim);
    await c.reconcile('pvc:ns/data');
    assert.deepEqual(client.writes(), []);
    informers.informer<Pod>(pods).set({ metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'n1', containers: [], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] } });
    await c.reconcile('pvc:ns/data');
    assert.deepEqual(client.actions.at(-1)!.patch, { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'n1' } } });
    claim.metadata!.annotations = { 'volume.kubernetes.io/selected-node': 'n1' };
    client.actions.length = 0;
    await c.reconcile('pvc:ns/data');
    const created = client.actions.find((a) => a.verb === 'create')!.object as PersistentVolume;
    assert.equal(created.metadata?.name, 'pvc-claim-uid');
    assert.equal(created.spec?.hostPath?.path, '/data/storage/pvc-claim-uid');
    assert.equal(created.spec?.claimRef?.uid, 'claim-uid');
    assert.equal(created.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.deepEqual(created.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values, ['n1']);
  });

  it('a volume whose claim is gone is Released, then Retain keeps it and Delete deletes it', async () => {
    const { informers, client, c } = setup();
    const v = pv('a', '5Gi', { claimRef: { namespace: 'ns', name: 'gone', uid: 'u' } }, undefined, 'Bound');
    informers.informer(persistentvolumes).set(v);
    await c.reconcile('pv:a');
    assert.deepEqual(client.actions.at(-1)!.patch, { status: { phase: 'Released' } });
    v.status = { phase: 'Released' };
    client.actions.length = 0;
    await c.reconcile('pv:a');
    assert.deepEqual(client.writes(), []);
    v.spec!.persistentVolumeReclaimPolicy = 'Delete';
    v.metadata!.annotations = { 'pv.kubernetes.io/provisioned-by': 'tugboat.dev/local-path' };
    await c.reconcile('pv:a');
    assert.deepEqual(client.writes(), ['delete persistentvolumes a']);
  });

  it('a volume without a claim is Available', async () => {
    const { informers, client, c } = setup();
    informers.informer(persistentvolumes).set(pv('a', '5Gi', {}, undefined, 'Pending'));
    await c.reconcile('pv:a');
    assert.deepEqual(client.actions.at(-1)!.patch, { status: { phase: 'Available' } });
  });
});
