// Integration: the scheduler against the real API server in process (MemoryStore), through the real client and
// informers. Pods get bound to Node objects; an unschedulable pod gets Kubernetes' condition and event, and is
// retried when a node that fits appears; a high-priority pod preempts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { createEventRecorder } from '../client/events.js';
import { createInformerFactory } from '../client/informer-factory.js';
import { events, nodes, pods, priorityclasses } from '../client/resources.js';
import { startTestApi, type TestApi } from '../client/testing.js';
import { realClock } from '../util/clock.js';
import { createLogger, silentLogger } from '../util/logger.js';
import { startScheduler, type RunningScheduler } from './index.js';
import { makeNode, makePod } from './testing.js';

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Creates a node, then writes its status (the API server drops status on create, as Kubernetes does). */
async function addNode(t: TestApi, n: KubeObject): Promise<void> {
  const created = await t.client.create(nodes, undefined, strip(n));
  await t.client.update(nodes, undefined, { ...created, status: n.status }, { subresource: 'status' });
}

const strip = (o: KubeObject): KubeObject => {
  const c = structuredClone(o);
  delete c.metadata!.uid;
  return c;
};

describe('scheduler with the in-process API server', () => {
  let t: TestApi;
  let ac: AbortController;
  let running: RunningScheduler;

  before(async () => {
    t = await startTestApi();
    ac = new AbortController();
    const cp = makeNode('cp', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] });
    for (const n of [cp, makeNode('w1', { cpu: '1' }), makeNode('w2', { cpu: '1' })]) await addNode(t, n);
    const informers = createInformerFactory({ client: t.client, logger: silentLogger });
    const recorder = createEventRecorder({ client: t.client, component: 'default-scheduler' });
    running = await startScheduler({ client: t.client, informers, clock: realClock, logger: process.env.SCHED_DEBUG ? createLogger({ level: "debug" }) : silentLogger, signal: ac.signal, recorder, initialBackoffMs: 20, maxBackoffMs: 100 });
  });

  after(async () => {
    ac.abort();
    await running.done;
    await t.close();
  });

  const get = (name: string) => t.client.get(pods, 'default', name);
  const nodeOf = (p: KubeObject) => (p.spec as { nodeName?: string }).nodeName;

  it('binds a pod that fits', async () => {
    await t.client.create(pods, 'default', strip(makePod('small', { cpu: '500m' })));
    const p = await until('binding', async () => {
      const p = await get('small');
      return nodeOf(p) ? p : undefined;
    });
    assert.ok(['w1', 'w2'].includes(nodeOf(p)!));
    const cond = (p.status as { conditions: { type: string; status: string }[] }).conditions.find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.status, 'True');
  });

  it('explains an unschedulable pod, then schedules it when a node fits', async () => {
    await t.client.create(pods, 'default', strip(makePod('big', { cpu: '2' })));
    const want =
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
    const cond = await until('condition', async () => {
      const p = await get('big');
      const c = ((p.status as { conditions?: Record<string, string>[] }).conditions ?? []).find((c) => c.type === 'PodScheduled');
      return c?.status === 'False' ? c : undefined;
    });
    assert.equal(cond.reason, 'Unschedulable');
    assert.equal(cond.message, want);
    const ev = await until('event', async () => {
      const list = await t.client.list(events, 'default');
      return list.items.find((e) => e.reason === 'FailedScheduling' && (e.involvedObject as { name: string }).name === 'big');
    });
    assert.equal(ev.message, want);
    assert.equal(ev.type, 'Warning');
    // No timer retries it; a new node that fits does.
    await addNode(t, makeNode('w3', { cpu: '4' }));
    const p = await until('binding to w3', async () => {
      const p = await get('big');
      return nodeOf(p) ? p : undefined;
    });
    assert.equal(nodeOf(p), 'w3');
  });

  it('preempts lower-priority pods for a higher-priority one', async () => {
    await t.client.create(priorityclasses, undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 } as KubeObject);
    // Fill the cluster: w1/w2 have 500m left at most, w3 has 2 cpu left.
    await t.client.create(pods, 'default', strip(makePod('filler', { cpu: '2' })));
    await until('filler bound', async () => (nodeOf(await get('filler')) ? true : undefined));
    await t.client.create(pods, 'default', strip(makePod('vip', { cpu: '3', spec: { priorityClassName: 'high' } })));
    const p = await until('nominated', async () => {
      const p = await get('vip');
      return (p.status as { nominatedNodeName?: string }).nominatedNodeName ? p : undefined;
    });
    assert.equal((p.status as { nominatedNodeName?: string }).nominatedNodeName, 'w3');
    // Victims on w3 are deleted gracefully: they wait for their node agent, which we play here.
    for (const name of ['big', 'filler']) {
      const v = await get(name).catch(() => undefined);
      if (v) {
        assert.ok(v.metadata?.deletionTimestamp, `${name} is terminating`);
        await t.client.delete(pods, 'default', name, { gracePeriodSeconds: 0 });
      }
    }
    const bound = await until('vip bound', async () => {
      const p = await get('vip');
      return nodeOf(p) ? p : undefined;
    }, 10_000);
    assert.equal(nodeOf(bound), 'w3');
    await assert.rejects(get('big'), /not found/);
  });
});
