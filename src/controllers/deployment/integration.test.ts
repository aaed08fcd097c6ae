// Deployment, ReplicaSet controllers and a stand-in kubelet against the real in-process API server: roll out,
// become available, roll to a new image within surge/unavailable bounds, and undo as kubectl does.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SharedInformerFactory } from '../../client/informer-factory.js';
import { startTestApi, type TestApi } from '../../client/testing.js';
import { realClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { RecordedEvents } from '../common/events.js';
import { changeWaiter } from '../common/testing.js';
import { isPodReady } from '../common/pod-util.js';
import { deploymentsRef, podsRef, replicaSetsRef } from '../common/resources.js';
import type { Deployment, Pod, ReplicaSet } from '../common/types.js';
import { startReplicaSetController } from '../replicaset/index.js';
import { startDeploymentController } from './index.js';

const NS = 'default';

describe('deployment rollout against the API server', () => {
  let t: TestApi;
  const stop = new AbortController();
  let informers: SharedInformerFactory;
  let runs: Promise<void>[] = [];
  const events = new RecordedEvents();
  const violations: string[] = [];
  let checking = false;
  const { notify, waitFor } = changeWaiter(10_000);

  before(async () => {
    t = await startTestApi();
    informers = new SharedInformerFactory({ client: t.client, logger: silentLogger });
    const deps = { client: t.client, informers, clock: realClock, logger: silentLogger, signal: stop.signal, recorder: events };
    runs = [startReplicaSetController(deps), startDeploymentController(deps)];
    const pods = informers.informer<Pod>(podsRef);
    // The stand-in kubelet: every new pod turns Running and Ready a moment later.
    const kubelet = (p: Pod) => {
      if (isPodReady(p) || p.metadata?.deletionTimestamp) return;
      setTimeout(() => {
        const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        const status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] };
        t.client.update(podsRef, NS, { ...p, status }, { subresource: 'status' }).catch(() => undefined);
      }, 5);
    };
    // Bounds while rolling: at most replicas + surge pods, at least replicas - unavailable ready.
    const bounds = () => {
      if (!checking) return;
      const live = pods.list(NS).filter((p) => !p.metadata?.deletionTimestamp);
      const ready = live.filter(isPodReady).length;
      if (live.length > 5 + 2) violations.push(`${live.length} pods`);
      if (ready < 5 - 1) violations.push(`${ready} ready`);
    };
    pods.addHandlers({ add: (p) => (kubelet(p), bounds(), notify()), update: (_, p) => (kubelet(p), bounds(), notify()), delete: () => (bounds(), notify()) });
    informers.informer(deploymentsRef).addHandlers({ add: notify, update: notify });
    informers.informer(replicaSetsRef).addHandlers({ add: notify, update: notify, delete: notify });
    await informers.start(stop.signal);
  });

  after(async () => {
    stop.abort();
    await Promise.all(runs);
    await t.close();
  });

  const dep = () => informers.informer<Deployment>(deploymentsRef).get(NS, 'web');
  const rss = () => informers.informer<ReplicaSet>(replicaSetsRef).list(NS);
  const pods = () => informers.informer<Pod>(podsRef).list(NS);
  const cond = (type: string) => dep()?.status?.conditions?.find((c) => c.type === type);
  const done = (image: string) => () => {
    const d = dep();
    const live = pods().filter((p) => !p.metadata?.deletionTimestamp);
    return (
      !!d &&
      (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
      d.status?.updatedReplicas === 5 &&
      d.status?.availableReplicas === 5 &&
      d.status?.replicas === 5 &&
      live.length === 5 &&
      live.every((p) => p.spec?.containers[0]?.image === image) &&
      cond('Progressing')?.reason === 'NewReplicaSetAvailable'
    );
  };

  it('creates a replica set and 5 pods that become available', async () => {
    await t.client.create(deploymentsRef, NS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 5,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
      },
    });
    await waitFor('first rollout', done('nginx:1'));
    const [rs] = rss();
    assert.equal(rss().length, 1);
    assert.match(rs!.metadata!.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(rs!.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(dep()?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    for (const p of pods()) {
      assert.ok(p.metadata?.name?.startsWith(`${rs!.metadata!.name}-`));
      assert.equal(p.metadata?.labels?.['pod-template-hash'], rs!.metadata?.labels?.['pod-template-hash']);
    }
    assert.deepEqual([cond('Available')?.status, cond('Available')?.reason], ['True', 'MinimumReplicasAvailable']);
    assert.ok(events.reasons().includes('ScalingReplicaSet'));
    assert.ok(events.events.some((e) => e.message.startsWith('Created pod: web-')));
  });

  it('rolls to a new image within maxSurge and maxUnavailable', async () => {
    checking = true;
    await t.client.patch(deploymentsRef, NS, 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } });
    await waitFor('second rollout', done('nginx:2'));
    checking = false;
    assert.deepEqual(violations, []);
    // The new replica set starts at the surge (2 of 25% of 5, rounded up), not at 5.
    assert.ok(events.events.some((e) => / from 0 to 2$/.test(e.message)));
    const byRev = Object.fromEntries(rss().map((rs) => [rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], rs.spec?.replicas]));
    assert.deepEqual(byRev, { '1': 0, '2': 5 });
  });

  it('rollout undo (as kubectl does it) returns to the old replica set', async () => {
    const old = rss().find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '1')!;
    const template = structuredClone(old.spec!.template!);
    delete template.metadata!.labels!['pod-template-hash'];
    await t.client.patch(deploymentsRef, NS, 'web', 'json', [{ op: 'replace', path: '/spec/template', value: template }]);
    await waitFor('undo', done('nginx:1'));
    const back = rss().find((rs) => rs.metadata?.uid === old.metadata?.uid)!;
    assert.equal(back.spec?.replicas, 5);
    assert.equal(back.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(back.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(rss().length, 2);
  });

  it('replaces a deleted pod', async () => {
    const victim = pods()[0]!;
    await t.client.delete(podsRef, NS, victim.metadata!.name!);
    await waitFor('replacement', () => {
      const live = pods().filter((p) => !p.metadata?.deletionTimestamp);
      return live.length === 5 && !live.some((p) => p.metadata?.uid === victim.metadata?.uid) && live.every(isPodReady);
    });
  });
});
