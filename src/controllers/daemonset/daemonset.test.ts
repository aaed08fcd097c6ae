// Daemon node eligibility, rollout arithmetic and a reconcile against recorded actions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Taint } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { RecordedEvents } from '../common/events.js';
import { RecordingClient, RecordingQueue, StaticInformerFactory } from '../common/testing.js';
import type { Pod } from '../common/types.js';
import { daemonsets, nodes as nodesRef } from '../../client/resources.js';
import { DaemonSetController } from './controller.js';
import { nodeShouldRunDaemon, pinToNode } from './eligibility.js';
import { managePlan, rollingPlan, surgeAndUnavailable } from './plan.js';
import type { DaemonSet, Node } from './types.js';

const node = (name: string, o: { labels?: Record<string, string>; taints?: Taint[] } = {}): Node => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
  spec: o.taints ? { taints: o.taints } : {},
});

describe('daemon node eligibility', () => {
  const cases: { name: string; spec: NonNullable<DaemonSet['spec']>['template']['spec']; node: Node; run: boolean; stay: boolean }[] = [
    { name: 'plain node', spec: { containers: [] }, node: node('a'), run: true, stay: true },
    { name: 'nodeSelector matches', spec: { containers: [], nodeSelector: { disk: 'ssd' } }, node: node('a', { labels: { disk: 'ssd' } }), run: true, stay: true },
    { name: 'nodeSelector misses', spec: { containers: [], nodeSelector: { disk: 'ssd' } }, node: node('a'), run: false, stay: false },
    {
      name: 'required affinity misses',
      spec: { containers: [], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] }] } } } },
      node: node('a', { labels: { zone: 'y' } }),
      run: false,
      stay: false,
    },
    { name: 'NoSchedule taint: no new pod, old one stays', spec: { containers: [] }, node: node('a', { taints: [{ key: 'k', effect: 'NoSchedule' }] }), run: false, stay: true },
    { name: 'NoExecute taint: none at all', spec: { containers: [] }, node: node('a', { taints: [{ key: 'k', effect: 'NoExecute' }] }), run: false, stay: false },
    { name: 'tolerated taint', spec: { containers: [], tolerations: [{ key: 'k', operator: 'Exists' }] }, node: node('a', { taints: [{ key: 'k', effect: 'NoExecute' }] }), run: true, stay: true },
    { name: 'unready node tolerated by default', spec: { containers: [] }, node: node('a', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] }), run: true, stay: true },
    { name: 'cordoned node tolerated by default', spec: { containers: [] }, node: node('a', { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }), run: true, stay: true },
    { name: 'PreferNoSchedule ignored', spec: { containers: [] }, node: node('a', { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] }), run: true, stay: true },
    { name: 'nodeName elsewhere', spec: { containers: [], nodeName: 'b' }, node: node('a'), run: false, stay: false },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(nodeShouldRunDaemon(c.spec, c.node), { shouldRun: c.run, shouldContinueRunning: c.stay });
    });

  it('pins to the node, keeping matchExpressions', () => {
    const a = pinToNode({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'z', operator: 'Exists' }] }] } } }, 'n1');
    assert.deepEqual(a.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
      { matchExpressions: [{ key: 'z', operator: 'Exists' }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
    ]);
  });
});

const T0 = '2026-01-01T00:00:00Z';
const dsObj = (strategy: Record<string, unknown> = {}): DaemonSet => ({
  metadata: { name: 'ds', namespace: 'ns', uid: 'ds-uid', generation: 1 },
  spec: {
    selector: { matchLabels: { app: 'd' } },
    template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: strategy },
  },
});
const dpod = (name: string, nodeName: string, hash: string, ready = true, created = T0): Pod => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, creationTimestamp: created, labels: { app: 'd', 'controller-revision-hash': hash }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'ds-uid', controller: true }] },
  spec: { nodeName, containers: [] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: T0 }] },
});
const now = new Date('2026-01-01T01:00:00Z');
const byNode = (pods: Pod[]) => {
  const m = new Map<string, Pod[]>();
  for (const p of pods) m.set(p.spec!.nodeName!, [...(m.get(p.spec!.nodeName!) ?? []), p]);
  return m;
};

describe('daemon rollout arithmetic', () => {
  const four = ['a', 'b', 'c', 'd'].map((n) => node(n));
  it('surge and unavailable scale on desired, rounding up; both zero means one unavailable', () => {
    assert.deepEqual(surgeAndUnavailable(dsObj({ maxUnavailable: '25%', maxSurge: 0 }), 10), { surge: 0, unavailable: 3 });
    assert.deepEqual(surgeAndUnavailable(dsObj({ maxUnavailable: 0, maxSurge: '10%' }), 10), { surge: 1, unavailable: 0 });
    assert.deepEqual(surgeAndUnavailable(dsObj({ maxUnavailable: 0, maxSurge: 0 }), 10), { surge: 0, unavailable: 1 });
  });
  it('maxUnavailable 1: deletes one old pod; an unavailable old pod goes without counting', () => {
    const pods = [dpod('p-a', 'a', 'old'), dpod('p-b', 'b', 'old'), dpod('p-c', 'c', 'old', false), dpod('p-d', 'd', 'new')];
    const plan = rollingPlan({ ds: dsObj({ maxUnavailable: 1 }), nodes: four, byNode: byNode(pods), hash: 'new', now });
    assert.deepEqual(plan.delete.map((p) => p.metadata?.name), ['p-c', 'p-a']);
  });
  it('maxUnavailable 1 waits while a new pod is not ready', () => {
    const pods = [dpod('p-a', 'a', 'old'), dpod('p-b', 'b', 'new', false)];
    const plan = rollingPlan({ ds: dsObj({ maxUnavailable: 1 }), nodes: four.slice(0, 2), byNode: byNode(pods), hash: 'new', now });
    assert.deepEqual(plan, { create: [], delete: [] });
  });
  it('maxSurge 1: creates beside an old pod, deletes the old one once the new is available', () => {
    const pods = [dpod('p-a', 'a', 'old'), dpod('p-b', 'b', 'old'), dpod('n-b', 'b', 'new'), dpod('p-c', 'c', 'old')];
    const plan = rollingPlan({ ds: dsObj({ maxUnavailable: 0, maxSurge: 1 }), nodes: four.slice(0, 3), byNode: byNode(pods), hash: 'new', now });
    assert.deepEqual(plan.delete.map((p) => p.metadata?.name), ['p-b']);
    assert.deepEqual(plan.create, ['a']);
  });
  it('manage: creates on empty nodes, removes from nodes gone or tainted, keeps the oldest of duplicates', () => {
    const nodes = [node('a'), node('b'), node('c', { taints: [{ key: 'k', effect: 'NoExecute' }] })];
    const pods = [dpod('p-b1', 'b', 'h', true, T0), dpod('p-b2', 'b', 'h', true, '2026-01-01T00:00:05Z'), dpod('p-c', 'c', 'h'), dpod('p-gone', 'zz', 'h')];
    const plan = managePlan({ ds: dsObj(), nodes, byNode: byNode(pods), hash: 'h', now });
    assert.deepEqual(plan.create, ['a']);
    assert.deepEqual(plan.delete.map((p) => p.metadata?.name).sort(), ['p-b2', 'p-c', 'p-gone']);
  });
});

describe('daemonset reconcile', () => {
  it('creates a revision and one pinned pod per node, then writes status', async () => {
    const informers = new StaticInformerFactory();
    informers.informer<DaemonSet>(daemonsets).set(dsObj({ maxUnavailable: 1 }));
    informers.informer<Node>(nodesRef).set(node('a'));
    informers.informer<Node>(nodesRef).set(node('b', { taints: [{ key: 'k', effect: 'NoSchedule' }] }));
    const client = new RecordingClient(informers);
    const recorder = new RecordedEvents();
    const c = new DaemonSetController({ client, informers, clock: new FakeClock(now), logger: silentLogger, recorder, queue: new RecordingQueue() });
    await c.reconcile('ns/ds');
    assert.deepEqual(client.writes(), ['create controllerrevisions ' + client.actions[0]!.name, 'create pods ds-00001', 'update daemonsets/status ds']);
    const pod = client.actions[1]!.object as Pod;
    assert.equal(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0], 'a');
    assert.equal(pod.metadata?.labels?.['controller-revision-hash'], client.actions[0]!.object!.metadata?.labels?.['controller-revision-hash']);
    const status = client.actions[2]!.object!.status as Record<string, unknown>;
    assert.deepEqual(status, { desiredNumberScheduled: 1, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, numberUnavailable: 1, observedGeneration: 1 });
    assert.deepEqual(recorder.reasons(), ['SuccessfulCreate']);
    // The cache has not seen the pod: nothing more is created.
    client.actions.length = 0;
    await c.reconcile('ns/ds');
    assert.ok(!client.writes().some((w) => w.startsWith('create pods')));
  });
});
