// The cache: assumed pods count at once, forget undoes them, the informer's confirmation replaces them, and pods
// bound to a node not seen yet are kept until it arrives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newPodInfo } from './pod-info.js';
import { cacheOf, makeNode, makePod, podInfo } from './testing.js';

describe('SchedulerCache', () => {
  it('assume, forget, confirm', () => {
    const c = cacheOf([makeNode('a', { cpu: '4' })]);
    const p = podInfo('p', { cpu: '1' });
    c.assume({ ...p, nodeName: 'a' }, 'a');
    assert.equal(c.get('a')!.requested.milliCpu, 1000);
    assert.ok(c.isAssumed('default/p'));
    c.forget('default/p');
    assert.equal(c.get('a')!.requested.milliCpu, 0);
    c.assume({ ...p, nodeName: 'a' }, 'a');
    c.addOrUpdatePod(newPodInfo(makePod('p', { cpu: '1', nodeName: 'a' })));
    assert.ok(!c.isAssumed('default/p'));
    c.forget('default/p'); // confirmed: forget does nothing
    assert.equal(c.get('a')!.requested.milliCpu, 1000);
    assert.equal(c.get('a')!.pods.size, 1);
    c.removePod('default/p');
    assert.equal(c.get('a')!.pods.size, 0);
  });

  it('keeps pods of an unknown node until it registers', () => {
    const c = cacheOf([]);
    c.addOrUpdatePod(newPodInfo(makePod('p', { cpu: '1', nodeName: 'late' })));
    const n = c.addOrUpdateNode(makeNode('late'));
    assert.equal(n.requested.milliCpu, 1000);
    c.removeNode('late');
    assert.equal(c.nodes.length, 0);
    assert.equal(c.addOrUpdateNode(makeNode('late')).pods.size, 1);
  });

  it('indexes pods by label and anti-affinity pods by the labels they select', () => {
    const anti = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'h' }] } } };
    const c = cacheOf([makeNode('a')], [makePod('p', { labels: { app: 'x' }, nodeName: 'a', spec: anti })]);
    assert.equal([...c.podsWithLabel('default', 'app', 'x')].length, 1);
    assert.equal([...c.podsWithLabel('other', 'app', 'x')].length, 0);
    assert.equal(c.antiAffinityPodsSelecting('default', { app: 'x' }).size, 1);
    assert.equal(c.antiAffinityPodsSelecting('default', { app: 'y' }).size, 0);
    c.removePod('default/p');
    assert.equal([...c.podsWithLabel('default', 'app', 'x')].length, 0);
    assert.equal(c.antiAffinityPodsSelecting('default', { app: 'x' }).size, 0);
  });

  it('label domains follow node changes', () => {
    const c = cacheOf([makeNode('a', { labels: { zone: '1' } }), makeNode('b', { labels: { zone: '2' } })]);
    assert.deepEqual([...c.labelDomains('zone')], [['1', 1], ['2', 1]]);
    c.addOrUpdateNode(makeNode('b', { labels: { zone: '1' } }));
    assert.deepEqual([...c.labelDomains('zone')], [['1', 2]]);
  });
});
