import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createInformerFactory } from '../client/informer-factory.js';
import { eventually, startTestApi, type TestApi } from '../client/testing.js';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import { COMPLETE_AFTER } from './stages.js';
import { HEARTBEAT_ANNOTATION, startSimNodes, type SimNodes } from './sim-nodes.js';
import type { Node, Pod } from './types.js';

const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const NODES = { group: '', version: 'v1', resource: 'nodes', namespaced: false };
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true };


const pod = (name: string, node: string, extra: { annotations?: Record<string, string>; restartPolicy?: string } = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
  spec: { nodeName: node, restartPolicy: extra.restartPolicy ?? 'Always', containers: [{ name: 'c', image: 'nginx' }] },
});

describe('simulated nodes', () => {
  let t: TestApi;
  let sim: SimNodes;
  const clock = new FakeClock();
  const ac = new AbortController();
  before(async () => {
    t = await startTestApi({ clock });
    const informers = createInformerFactory({ client: t.client, logger: silentLogger });
    sim = await startSimNodes({ client: t.client, informers, clock, logger: silentLogger, signal: ac.signal, count: 2, labels: { zone: 'a' } });
  });
  after(async () => {
    ac.abort();
    await sim.done;
    await t.close();
  });

  it('registers nodes with status and leases', async () => {
    const n = await t.client.get<Node>(NODES, undefined, 'sim-1');
    assert.equal(n.metadata?.labels?.['zone'], 'a');
    assert.equal(n.status?.nodeInfo?.kubeletVersion, 'v1.33.0-tugboat.sim');
    assert.equal(n.status?.allocatable?.['pods'], '110');
    assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(n.spec?.podCIDR, '10.128.1.0/24');
    const lease = await t.client.get(LEASES, 'kube-node-lease', 'sim-1');
    assert.equal((lease.spec as { holderIdentity?: string }).holderIdentity, 'sim-1');
  });

  it('runs a bound pod, completes a Never pod, removes a deleted one', async () => {
    await t.client.create(PODS, 'default', pod('web', 'sim-0'));
    const running = await eventually(async () => {
      const p = await t.client.get<Pod>(PODS, 'default', 'web');
      return p.status?.phase === 'Running' ? p : undefined;
    }, 'Running');
    assert.equal(running.status?.podIP, '10.128.0.2');
    assert.equal(running.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');

    await t.client.create(PODS, 'default', pod('job', 'sim-0', { restartPolicy: 'Never', annotations: { [COMPLETE_AFTER]: '2s' } }));
    const jobRunning = await eventually(async () => {
      const p = await t.client.get<Pod>(PODS, 'default', 'job');
      return p.status?.phase === 'Running' ? p : undefined;
    }, 'job Running');
    assert.equal(jobRunning.status?.podIP, '10.128.0.3');
    clock.advance(1000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await t.client.get<Pod>(PODS, 'default', 'job')).status?.phase, 'Running');
    clock.advance(1000);
    await eventually(async () => ((await t.client.get<Pod>(PODS, 'default', 'job')).status?.phase === 'Succeeded' ? true : undefined), 'Succeeded');

    await t.client.delete(PODS, 'default', 'web');
    clock.advance(100);
    await eventually(async () => {
      try {
        await t.client.get(PODS, 'default', 'web');
        clock.advance(100);
        return undefined;
      } catch (e) {
        return (e as { code?: number }).code === 404 ? true : undefined;
      }
    }, 'pod removed');
  });

  it('a stopped node stops renewing its lease and leaves its pods alone', async () => {
    const before = await t.client.get(LEASES, 'kube-node-lease', 'sim-1');
    sim.stop('sim-1');
    clock.advance(10_000);
    await new Promise((r) => setTimeout(r, 50));
    const afterStop = await t.client.get(LEASES, 'kube-node-lease', 'sim-1');
    assert.equal((afterStop.spec as { renewTime?: string }).renewTime, (before.spec as { renewTime?: string }).renewTime);
    await t.client.create(PODS, 'default', pod('lost', 'sim-1'));
    await new Promise((r) => setTimeout(r, 50));
    assert.notEqual((await t.client.get<Pod>(PODS, 'default', 'lost')).status?.phase, 'Running');
    await sim.resume('sim-1');
    await eventually(async () => ((await t.client.get<Pod>(PODS, 'default', 'lost')).status?.phase === 'Running' ? true : undefined), 'resumed pod Running');
  });

  it('the heartbeat annotation stops and resumes a node from outside the process', async () => {
    await t.client.patch(NODES, undefined, 'sim-0', 'merge', { metadata: { annotations: { [HEARTBEAT_ANNOTATION]: 'stop' } } });
    await eventually(async () => (sim.isStopped('sim-0') ? true : undefined), 'stopped by annotation');
    await t.client.create(PODS, 'default', pod('quiet', 'sim-0'));
    await new Promise((r) => setTimeout(r, 50));
    assert.notEqual((await t.client.get<Pod>(PODS, 'default', 'quiet')).status?.phase, 'Running');
    await t.client.patch(NODES, undefined, 'sim-0', 'merge', { metadata: { annotations: { [HEARTBEAT_ANNOTATION]: null } } });
    await eventually(async () => ((await t.client.get<Pod>(PODS, 'default', 'quiet')).status?.phase === 'Running' ? true : undefined), 'resumed');
    assert.equal(sim.isStopped('sim-0'), false);
  });

  it('the annotation does not resume a node stopped by a call', async () => {
    sim.stop('sim-1');
    await t.client.patch(NODES, undefined, 'sim-1', 'merge', { metadata: { labels: { touched: 'yes' } } });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sim.isStopped('sim-1'), true);
    await sim.resume('sim-1');
  });
});
