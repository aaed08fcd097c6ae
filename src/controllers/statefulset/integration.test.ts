// DaemonSet, StatefulSet and volume controllers against the real in-process API server, with simulated nodes
// and the scheduler: a DaemonSet following a node that joins and one that is tainted; a StatefulSet of 3 with a
// claim per pod whose pod 1 comes back with the same name and claim; a rolling update going 2, 1, 0.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SharedInformerFactory } from '../../client/informer-factory.js';
import { controllerrevisions, daemonsets, nodes, persistentvolumeclaims, persistentvolumes, pods, statefulsets } from '../../client/resources.js';
import { startTestApi, type TestApi } from '../../client/testing.js';
import { startScheduler, type RunningScheduler } from '../../scheduler/index.js';
import { startSimNodes, type SimNodes } from '../../sim/index.js';
import { realClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { RecordedEvents } from '../common/events.js';
import { changeWaiter } from '../common/testing.js';
import { isPodReady } from '../common/pod-util.js';
import type { Pod } from '../common/types.js';
import { startDaemonSetController } from '../daemonset/index.js';
import type { DaemonSet } from '../daemonset/types.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../volume/types.js';
import { startVolumeController } from '../volume/index.js';
import { startStatefulSetController } from './index.js';
import type { StatefulSet } from './types.js';

const NS = 'default';

describe('daemonset, statefulset and volumes on simulated nodes', () => {
  let t: TestApi;
  const stop = new AbortController();
  let informers: SharedInformerFactory;
  let sims: SimNodes[] = [];
  let sched: RunningScheduler;
  let runs: Promise<void>[] = [];
  const events = new RecordedEvents();
  const { notify, waitFor } = changeWaiter(15_000);
  /** Order in which StatefulSet pods were deleted (rolling update order). */
  const deletions: string[] = [];

  before(async () => {
    t = await startTestApi();
    const simInformers = new SharedInformerFactory({ client: t.client, logger: silentLogger });
    const base = { client: t.client, clock: realClock, logger: silentLogger, signal: stop.signal };
    sims.push(await startSimNodes({ ...base, informers: simInformers, count: 2 }));
    sched = await startScheduler({ ...base, informers: new SharedInformerFactory({ client: t.client, logger: silentLogger }) });
    informers = new SharedInformerFactory({ client: t.client, logger: silentLogger });
    const deps = { ...base, informers, recorder: events };
    runs = [startDaemonSetController(deps), startStatefulSetController(deps), startVolumeController({ ...deps, dataDir: '/tmp/tug-test-data' })];
    for (const r of [pods, nodes, daemonsets, statefulsets, persistentvolumeclaims, persistentvolumes, controllerrevisions]) {
      informers.informer(r).addHandlers({ add: notify, update: notify, delete: notify });
    }
    informers.informer<Pod>(pods).addHandlers({
      update: (o, p) => {
        if (p.metadata?.deletionTimestamp && !o.metadata?.deletionTimestamp && p.metadata.name?.startsWith('db-')) deletions.push(p.metadata.name);
      },
      delete: (p) => {
        if (p.metadata?.name?.startsWith('db-') && deletions.at(-1) !== p.metadata.name) deletions.push(p.metadata.name);
      },
    });
    await informers.start(stop.signal);
  });

  after(async () => {
    stop.abort();
    await Promise.all(runs);
    await sched.done;
    await Promise.all(sims.map((s) => s.done));
    await t.close();
  });

  const list = <T extends Pod>(r = pods) => informers.informer<T>(r).list(NS);
  const livePods = (prefix: string) => list().filter((p) => p.metadata?.name?.startsWith(prefix) && !p.metadata.deletionTimestamp);
  const ds = () => informers.informer<DaemonSet>(daemonsets).get(NS, 'agent');
  const sts = () => informers.informer<StatefulSet>(statefulsets).get(NS, 'db');

  describe('daemonset', () => {
    const dsDone = (n: number) => () => {
      const s = ds()?.status;
      const ps = livePods('agent-');
      return s?.desiredNumberScheduled === n && s.numberReady === n && s.numberAvailable === n && ps.length === n && ps.every((p) => isPodReady(p) && !!p.spec?.nodeName);
    };

    it('runs one pod per node, pinned by node affinity, with the daemon tolerations', async () => {
      await t.client.create(daemonsets, NS, {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'agent' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent:1' }] } },
        },
      });
      await waitFor('2 daemon pods', dsDone(2));
      const nodesUsed = livePods('agent-').map((p) => p.spec?.nodeName).sort();
      assert.deepEqual(nodesUsed, ['sim-0', 'sim-1']);
      const p = livePods('agent-')[0]!;
      const terms = p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      assert.deepEqual(terms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec?.nodeName] }] }]);
      assert.ok(p.spec?.tolerations?.some((x) => x.key === 'node.kubernetes.io/unreachable' && x.effect === 'NoExecute'));
      assert.ok(p.metadata?.labels?.['controller-revision-hash']);
    });

    it('follows a node that joins', async () => {
      sims.push(await startSimNodes({ client: t.client, informers: new SharedInformerFactory({ client: t.client, logger: silentLogger }), clock: realClock, logger: silentLogger, signal: stop.signal, count: 1, startIndex: 2 }));
      await waitFor('3 daemon pods', dsDone(3));
      assert.ok(livePods('agent-').some((p) => p.spec?.nodeName === 'sim-2'));
    });

    it('leaves a node tainted NoExecute', async () => {
      await t.client.patch(nodes, undefined, 'sim-1', 'merge', { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }] } });
      await waitFor('daemon pod gone from sim-1', () => dsDone(2)() && !livePods('agent-').some((p) => p.spec?.nodeName === 'sim-1'));
      await t.client.patch(nodes, undefined, 'sim-1', 'merge', { spec: { taints: null } });
      await waitFor('back on sim-1', dsDone(3));
    });

    it('rolls out a new template one node at a time and records history', async () => {
      await t.client.patch(daemonsets, NS, 'agent', 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image: 'agent:2' }] } } } });
      await waitFor('rolled out', () => dsDone(3)() && ds()?.status?.updatedNumberScheduled === 3 && livePods('agent-').every((p) => p.spec?.containers[0]?.image === 'agent:2'));
      const revs = informers.informer(controllerrevisions).list(NS).filter((r) => r.metadata?.name?.startsWith('agent-'));
      assert.deepEqual(revs.map((r) => r.revision).sort(), [1, 2]);
    });
  });

  describe('statefulset', () => {
    const ready = (image: string) => () => {
      const s = sts()?.status;
      const ps = livePods('db-');
      return (
        s?.readyReplicas === 3 &&
        s.updatedReplicas === 3 &&
        s.currentRevision === s.updateRevision &&
        ps.length === 3 &&
        ps.every((p) => isPodReady(p) && p.spec?.containers[0]?.image === image)
      );
    };
    const claimOf = (n: number) => informers.informer<PersistentVolumeClaim>(persistentvolumeclaims).get(NS, `data-db-${n}`);

    it('creates db-0, db-1, db-2 in order, each with a bound claim', async () => {
      const order: string[] = [];
      informers.informer<Pod>(pods).addHandlers({ add: (p) => p.metadata?.name?.startsWith('db-') && order.push(p.metadata.name) });
      await t.client.create(statefulsets, NS, {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db' },
        spec: {
          replicas: 3,
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'db:1' }] } },
          volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local-path', resources: { requests: { storage: '1Gi' } } } }],
        },
      });
      await waitFor('3 ready', ready('db:1'));
      assert.deepEqual(order, ['db-0', 'db-1', 'db-2']);
      for (const n of [0, 1, 2]) {
        const c = claimOf(n);
        await waitFor(`claim ${n} bound`, () => claimOf(n)?.status?.phase === 'Bound');
        const pod = informers.informer<Pod>(pods).get(NS, `db-${n}`)!;
        assert.equal(pod.spec?.hostname, `db-${n}`);
        assert.equal(pod.spec?.subdomain, 'db');
        assert.equal(pod.spec?.volumes?.[0]?.persistentVolumeClaim?.claimName, `data-db-${n}`);
        const pv = informers.informer<PersistentVolume>(persistentvolumes).get(undefined, claimOf(n)!.spec!.volumeName!)!;
        assert.equal(pv.status?.phase, 'Bound');
        assert.equal(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values?.[0], pod.spec?.nodeName);
        assert.equal(c?.metadata?.annotations?.['volume.kubernetes.io/selected-node'], pod.spec?.nodeName);
      }
    });

    it('brings db-1 back with the same name and claim', async () => {
      const old = informers.informer<Pod>(pods).get(NS, 'db-1')!;
      const claimUid = claimOf(1)!.metadata?.uid;
      const volume = claimOf(1)!.spec?.volumeName;
      await t.client.delete(pods, NS, 'db-1');
      await waitFor('db-1 back', () => {
        const p = informers.informer<Pod>(pods).get(NS, 'db-1');
        return !!p && p.metadata?.uid !== old.metadata?.uid && isPodReady(p);
      });
      assert.equal(claimOf(1)?.metadata?.uid, claimUid);
      assert.equal(claimOf(1)?.spec?.volumeName, volume);
      // The volume's node affinity brings it back to the same node.
      assert.equal(informers.informer<Pod>(pods).get(NS, 'db-1')?.spec?.nodeName, old.spec?.nodeName);
    });

    it('rolls an update through db-2, db-1, db-0', async () => {
      deletions.length = 0;
      await t.client.patch(statefulsets, NS, 'db', 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image: 'db:2' }] } } } });
      await waitFor('rolled', ready('db:2'), 20_000);
      assert.deepEqual(deletions, ['db-2', 'db-1', 'db-0']);
      const revs = informers.informer(controllerrevisions).list(NS).filter((r) => r.metadata?.name?.startsWith('db-'));
      assert.equal(revs.length, 2);
      assert.equal(sts()?.status?.currentReplicas, 3);
    });
  });
});
