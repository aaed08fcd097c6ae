// A stopped simulated node goes Unknown after the grace period, gets the unreachable taints, and its pods are
// deleted after the eviction timeout; resuming it clears the taints.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createInformerFactory } from '../../client/informer-factory.js';
import { eventually, startTestApi, type TestApi } from '../../client/testing.js';
import { startSimNodes, type SimNodes } from '../../sim/index.js';
import { FakeClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import type { Pod } from '../common/types.js';
import { NodeLifecycleController } from './controller.js';
import type { Node } from './types.js';

const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const NODES = { group: '', version: 'v1', resource: 'nodes', namespaced: false };

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('node lifecycle with simulated nodes', () => {
  let t: TestApi;
  let sim: SimNodes;
  let done: Promise<void>;
  const clock = new FakeClock();
  const ac = new AbortController();
  before(async () => {
    // pods without tolerations of their own get the eviction timeout's, as DefaultTolerationSeconds admission gives
    t = await startTestApi({ clock, admission: { defaultTolerationSeconds: 10 } });
    const informers = createInformerFactory({ client: t.client, logger: silentLogger });
    sim = await startSimNodes({ client: t.client, informers, clock, logger: silentLogger, signal: ac.signal, count: 2, leaseIntervalMs: 1000, leaseDurationSeconds: 4 });
    const c = new NodeLifecycleController({ client: t.client, informers, clock, logger: silentLogger, signal: ac.signal, gracePeriodMs: 4000, monitorPeriodMs: 1000, evictionTimeoutMs: 10_000 });
    done = c.run(ac.signal);
  });
  after(async () => {
    ac.abort();
    await Promise.all([done, sim.done]);
    await t.close();
  });

  it('handles a lost node', async () => {
    const pod = (name: string, node: string, tolerations?: unknown[]): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { nodeName: node, containers: [{ name: 'c', image: 'i' }], ...(tolerations ? { tolerations } : {}) } as Pod['spec'],
    });
    await t.client.create(PODS, 'default', pod('a', 'sim-1'));
    await t.client.create(PODS, 'default', pod('b', 'sim-1', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 }]));
    await t.client.create(PODS, 'default', pod('c', 'sim-0'));
    await eventually(async () => ((await t.client.get<Pod>(PODS, 'default', 'a')).status?.phase === 'Running' ? true : undefined), 'a Running');

    // Healthy nodes stay healthy while time passes.
    for (let i = 0; i < 6; i++) {
      clock.advance(1000);
      await settle();
    }
    assert.equal((await t.client.get<Node>(NODES, undefined, 'sim-1')).spec?.taints, undefined);

    sim.stop('sim-1');
    for (let i = 0; i < 6; i++) {
      clock.advance(1000);
      await settle();
    }
    const lost = await eventually(async () => {
      const n = await t.client.get<Node>(NODES, undefined, 'sim-1');
      return n.spec?.taints?.length === 2 ? n : undefined;
    }, 'unreachable taints');
    const ready = lost.status?.conditions?.find((c) => c.type === 'Ready');
    assert.deepEqual([ready?.status, ready?.reason, ready?.message], ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.']);
    assert.deepEqual(lost.spec?.taints?.map((x) => `${x.key}:${x.effect}`).sort(), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    const a = await t.client.get<Pod>(PODS, 'default', 'a');
    assert.equal(a.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    assert.equal(a.metadata?.deletionTimestamp, undefined);
    assert.equal((await t.client.get<Node>(NODES, undefined, 'sim-0')).spec?.taints, undefined);

    // b tolerates 3 s, a gets the default 10 s.
    for (let i = 0; i < 4; i++) {
      clock.advance(1000);
      await settle();
    }
    await eventually(async () => ((await t.client.get<Pod>(PODS, 'default', 'b')).metadata?.deletionTimestamp ? true : undefined), 'b deleted');
    const b = await t.client.get<Pod>(PODS, 'default', 'b');
    assert.equal(b.status?.conditions?.find((c) => c.type === 'DisruptionTarget')?.reason, 'DeletionByTaintManager');
    assert.equal((await t.client.get<Pod>(PODS, 'default', 'a')).metadata?.deletionTimestamp, undefined);
    for (let i = 0; i < 8; i++) {
      clock.advance(1000);
      await settle();
    }
    await eventually(async () => ((await t.client.get<Pod>(PODS, 'default', 'a')).metadata?.deletionTimestamp ? true : undefined), 'a deleted');
    assert.equal((await t.client.get<Pod>(PODS, 'default', 'c')).metadata?.deletionTimestamp, undefined);

    // The node comes back: taints go, and it finishes deleting its pods.
    await sim.resume('sim-1');
    clock.advance(1000);
    await eventually(async () => {
      const n = await t.client.get<Node>(NODES, undefined, 'sim-1');
      return n.spec?.taints === undefined && n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? true : undefined;
    }, 'taints removed');
    await eventually(async () => {
      clock.advance(200);
      const l = await t.client.list(PODS, 'default');
      return l.items.length === 1 ? true : undefined;
    }, 'terminating pods removed by the resumed node');
  });
});
