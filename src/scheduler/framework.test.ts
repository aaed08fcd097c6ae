// The scheduling algorithm end to end over a cache: choice, sampling, failure messages, preemption.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitErrorMessage, reasonHistogram } from './fit-error.js';
import { numFeasibleNodesToFind } from './framework.js';
import { newPodInfo } from './pod-info.js';
import { newFramework } from './registry.js';
import { cacheOf, makeNode, makePod, podInfo } from './testing.js';
import { CycleState, unresolvable, unschedulable } from './types.js';

const fixed = () => 0;

describe('numFeasibleNodesToFind', () => {
  const cases: [number, number][] = [
    [50, 50],
    [100, 100],
    [1000, 420], // 50 - 8 = 42%
    [5000, 500], // 50 - 40 = 10%
    [6000, 300], // floor at 5%
    [200, 100], // never under 100
  ];
  for (const [n, want] of cases) it(`${n} nodes -> ${want}`, () => assert.equal(numFeasibleNodesToFind(n), want));
});

describe('fit error message', () => {
  it('histogram sorted as strings', () => {
    assert.equal(
      reasonHistogram([unschedulable('Insufficient cpu'), unschedulable('Insufficient cpu'), unresolvable('node(s) had untolerated taint {a: }')]),
      '1 node(s) had untolerated taint {a: }, 2 Insufficient cpu',
    );
  });
  it('with the preemption message', () => {
    const fit = {
      numAllNodes: 3,
      nodeToStatus: new Map([
        ['a', unresolvable('node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }')],
        ['b', unschedulable('Insufficient cpu')],
        ['c', unschedulable('Insufficient cpu')],
      ]),
      unschedulablePlugins: new Set<string>(),
      postFilterMsg: 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    };
    assert.equal(
      fitErrorMessage(fit),
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
  });
});

describe('Framework.schedule', () => {
  it('picks the least loaded node', () => {
    const c = cacheOf([makeNode('a'), makeNode('b'), makeNode('c')], [makePod('x', { cpu: '3', memory: '6Gi', nodeName: 'a' }), makePod('y', { cpu: '1', memory: '1Gi', nodeName: 'b' })]);
    const r = newFramework({ random: fixed }).schedule(new CycleState(), podInfo('p', { cpu: '500m', memory: '512Mi' }), c);
    assert.ok(r.ok);
    assert.equal(r.node, 'c');
  });

  it('explains why nothing fits, with the preemption verdict (Kubernetes wording)', () => {
    const cp = makeNode('cp', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] });
    const c = cacheOf([cp, makeNode('w1', { cpu: '1' }), makeNode('w2', { cpu: '1' })]);
    const fw = newFramework({ random: fixed });
    const state = new CycleState();
    const pod = podInfo('big', { cpu: '2' });
    const r = fw.schedule(state, pod, c);
    assert.ok(!r.ok);
    const post = fw.postFilter(state, pod, r.fit, c);
    assert.ok(post && post.nominatedNode === undefined);
    r.fit.postFilterMsg = post.message;
    assert.equal(
      fitErrorMessage(r.fit),
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
    assert.deepEqual([...r.fit.unschedulablePlugins].sort(), ['NodeResourcesFit', 'TaintToleration']);
  });

  it('samples a share of large clusters and rotates the start', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => makeNode(`n${i}`));
    const c = cacheOf(nodes);
    const fw = newFramework({ random: fixed });
    const r1 = fw.schedule(new CycleState(), podInfo('p1'), c);
    const r2 = fw.schedule(new CycleState(), podInfo('p2'), c);
    assert.ok(r1.ok && r2.ok);
    assert.equal(r1.evaluated, 420);
    assert.equal(r1.feasible, 420);
    assert.notEqual(r1.node, r2.node);
  });

  // The existing replicas' own anti-affinity is checked first, so that is the reason given (as in Kubernetes).
  it('pod anti-affinity spreads replicas over nodes', () => {
    const c = cacheOf([makeNode('a'), makeNode('b')]);
    const fw = newFramework({ random: fixed });
    const anti = {
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'kubernetes.io/hostname' }] } },
    };
    const placed: string[] = [];
    for (const name of ['r1', 'r2', 'r3']) {
      const pod = makePod(name, { labels: { app: 'x' }, spec: anti });
      const r = fw.schedule(new CycleState(), newPodInfo(pod), c);
      if (!r.ok) {
        assert.equal(fitErrorMessage(r.fit), "0/2 nodes are available: 2 node(s) didn't satisfy existing pods anti-affinity rules.");
        continue;
      }
      placed.push(r.node);
      c.assume(newPodInfo({ ...pod, spec: { ...(pod.spec as object), nodeName: r.node } }), r.node);
    }
    assert.deepEqual(placed.sort(), ['a', 'b']);
  });
});

describe('DefaultPreemption', () => {
  it('evicts the fewest, least important pods on the best node', () => {
    const c = cacheOf(
      [makeNode('a', { cpu: '2' }), makeNode('b', { cpu: '2' })],
      [
        makePod('a-low', { cpu: '1', nodeName: 'a', priority: 1 }),
        makePod('a-mid', { cpu: '1', nodeName: 'a', priority: 5 }),
        makePod('b-high', { cpu: '1', nodeName: 'b', priority: 100 }),
        makePod('b-low', { cpu: '1', nodeName: 'b', priority: 2 }),
      ],
    );
    const fw = newFramework({ random: fixed });
    const state = new CycleState();
    const pod = podInfo('urgent', { cpu: '1', priority: 50 });
    const r = fw.schedule(state, pod, c);
    assert.ok(!r.ok);
    const post = fw.postFilter(state, pod, r.fit, c);
    assert.ok(post?.nominatedNode !== undefined);
    // On a one victim suffices (a-low, priority 1); on b too (b-low, priority 2): lowest top priority wins.
    assert.equal(post.nominatedNode, 'a');
    assert.deepEqual(post.victims.map((v) => v.name), ['a-low']);
  });

  it('respects PodDisruptionBudgets when it can', () => {
    const c = cacheOf(
      [makeNode('a', { cpu: '1' }), makeNode('b', { cpu: '1' })],
      [makePod('a-low', { cpu: '1', nodeName: 'a', priority: 1, labels: { app: 'guarded' } }), makePod('b-low', { cpu: '1', nodeName: 'b', priority: 2 })],
    );
    const fw = newFramework({
      random: fixed,
      args: { preemption: { pdbs: () => [{ namespace: 'default', selector: { matchLabels: { app: 'guarded' } }, disruptionsAllowed: 0 }] } },
    });
    const state = new CycleState();
    const pod = podInfo('urgent', { cpu: '1', priority: 50 });
    const r = fw.schedule(state, pod, c);
    assert.ok(!r.ok);
    const post = fw.postFilter(state, pod, r.fit, c);
    assert.equal(post?.nominatedNode, 'b');
  });

  it('preemptionPolicy Never', () => {
    const c = cacheOf([makeNode('a', { cpu: '1' })], [makePod('low', { cpu: '1', nodeName: 'a', priority: 1 })]);
    const fw = newFramework({ random: fixed });
    const state = new CycleState();
    const pod = podInfo('p', { cpu: '1', priority: 50, spec: { preemptionPolicy: 'Never' } });
    const r = fw.schedule(state, pod, c);
    assert.ok(!r.ok);
    r.fit.postFilterMsg = fw.postFilter(state, pod, r.fit, c)?.message;
    assert.equal(fitErrorMessage(r.fit), '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
  });

  it('nominated pods keep their room from lower-priority pods', () => {
    const c = cacheOf([makeNode('a', { cpu: '1' })]);
    const nominee = podInfo('nominee', { cpu: '1', priority: 100 });
    const fw = newFramework({ random: fixed, nominatedPods: (n) => (n === 'a' ? [nominee] : []) });
    const r = fw.schedule(new CycleState(), podInfo('low', { cpu: '1', priority: 1 }), c);
    assert.ok(!r.ok);
    const r2 = fw.schedule(new CycleState(), podInfo('higher', { cpu: '1', priority: 200 }), c);
    assert.ok(r2.ok);
  });
});
