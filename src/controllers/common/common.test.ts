import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../util/clock.js';
import type { KubeObject } from '../../api/object.js';
import { claimAction } from './claim.js';
import { Expectations } from './expectations.js';
import { compareForDeletion, podsToDelete } from './pod-ranking.js';
import { isPodAvailable } from './pod-util.js';
import { slowStartBatch, slowStartSizes } from './slow-start.js';
import type { Pod } from './types.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();

function pod(name: string, o: { node?: string; phase?: string; readyFor?: number; restarts?: number; age?: number; cost?: string } = {}): Pod {
  return {
    metadata: { name, uid: name, creationTimestamp: ago(o.age ?? 100), ...(o.cost ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': o.cost } } : {}) },
    spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: o.readyFor !== undefined ? [{ type: 'Ready', status: 'True', lastTransitionTime: ago(o.readyFor) }] : [{ type: 'Ready', status: 'False' }],
      containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: true, restartCount: o.restarts ?? 0 }],
    },
  };
}

describe('deletion ranking', () => {
  const cases: { name: string; a: Pod; b: Pod; first: 'a' | 'b' }[] = [
    { name: 'unassigned before assigned', a: pod('a', { node: 'n1', readyFor: 10 }), b: pod('b', { phase: 'Pending' }), first: 'b' },
    { name: 'pending before running', a: pod('a', { node: 'n', phase: 'Running' }), b: pod('b', { node: 'n', phase: 'Pending' }), first: 'b' },
    { name: 'unknown before running', a: pod('a', { node: 'n', phase: 'Unknown' }), b: pod('b', { node: 'n', phase: 'Running' }), first: 'a' },
    { name: 'not ready before ready', a: pod('a', { node: 'n', readyFor: 5 }), b: pod('b', { node: 'n' }), first: 'b' },
    { name: 'lower deletion cost first', a: pod('a', { node: 'n', cost: '10' }), b: pod('b', { node: 'n', cost: '-5' }), first: 'b' },
    { name: 'ready for less time first', a: pod('a', { node: 'n', readyFor: 10_000 }), b: pod('b', { node: 'n', readyFor: 3 }), first: 'b' },
    { name: 'more restarts first', a: pod('a', { node: 'n', restarts: 1 }), b: pod('b', { node: 'n', restarts: 7 }), first: 'b' },
    { name: 'newer first', a: pod('a', { node: 'n', age: 3 }), b: pod('b', { node: 'n', age: 100_000 }), first: 'a' },
    { name: 'similar ages tie and the uid decides', a: pod('b', { node: 'n', age: 1000 }), b: pod('a', { node: 'n', age: 1001 }), first: 'b' },
  ];
  for (const c of cases)
    it(c.name, () => {
      const d = compareForDeletion({ pod: c.a, rank: 0 }, { pod: c.b, rank: 0 }, NOW);
      assert.equal(d < 0 ? 'a' : 'b', c.first);
      assert.ok(d !== 0);
    });
  it('doubled-up pods first', () => {
    const pods = [pod('x', { node: 'n1' }), pod('y', { node: 'n2' }), pod('z', { node: 'n2' })];
    assert.deepEqual(podsToDelete(pods, pods, 1, NOW).map((p) => p.metadata?.name), ['y']);
  });
});

describe('pod availability', () => {
  it('needs minReadySeconds of readiness', () => {
    assert.equal(isPodAvailable(pod('a', { readyFor: 5 }), 10, NOW), false);
    assert.equal(isPodAvailable(pod('a', { readyFor: 10 }), 10, NOW), true);
    assert.equal(isPodAvailable(pod('a', { readyFor: 0 }), 0, NOW), true);
    assert.equal(isPodAvailable(pod('a'), 0, NOW), false);
  });
});

describe('claims', () => {
  const owner = { metadata: { name: 'rs', uid: 'u1' } };
  const deleting = { metadata: { name: 'rs', uid: 'u1', deletionTimestamp: ago(0) } };
  const ours = { metadata: { name: 'p', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }] } };
  const theirs = { metadata: { name: 'p', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: 'u2', controller: true }] } };
  const orphan = { metadata: { name: 'p' } };
  const table: [string, KubeObject, KubeObject, boolean, string][] = [
    ['ours, matching', owner, ours, true, 'own'],
    ['ours, not matching', owner, ours, false, 'release'],
    ['ours, not matching, owner deleting', deleting, ours, false, 'ignore'],
    ['orphan matching', owner, orphan, true, 'adopt'],
    ['orphan matching, owner deleting', deleting, orphan, true, 'ignore'],
    ['orphan not matching', owner, orphan, false, 'ignore'],
    ['someone else', owner, theirs, true, 'ignore'],
  ];
  for (const [name, o, p, m, want] of table) it(name, () => assert.equal(claimAction(o, p, m), want));
});

describe('expectations', () => {
  it('waits for creates and named deletes, and expires', () => {
    const clock = new FakeClock();
    const e = new Expectations(clock);
    assert.ok(e.satisfied('k'));
    e.expect('k', 2);
    assert.ok(!e.satisfied('k'));
    e.creationObserved('k');
    assert.ok(!e.satisfied('k'));
    e.creationObserved('k');
    assert.ok(e.satisfied('k'));
    e.expect('k', 0, ['ns/a']);
    e.deletionObserved('k', 'ns/b');
    assert.ok(!e.satisfied('k'));
    e.deletionObserved('k', 'ns/a');
    e.deletionObserved('k', 'ns/a');
    assert.ok(e.satisfied('k'));
    e.expect('k', 1);
    clock.advance(5 * 60 * 1000 + 1);
    assert.ok(e.satisfied('k'));
  });
});

describe('slow start', () => {
  it('batches 1, 2, 4, ...', () => {
    assert.deepEqual(slowStartSizes(0), []);
    assert.deepEqual(slowStartSizes(1), [1]);
    assert.deepEqual(slowStartSizes(10), [1, 2, 4, 3]);
    assert.deepEqual(slowStartSizes(16), [1, 2, 4, 8, 1]);
  });
  it('stops after the first failing batch', async () => {
    const r = await slowStartBatch(10, 1, async (i) => {
      if (i === 2) throw new Error('quota');
    });
    assert.deepEqual({ s: r.successes, k: r.skipped, e: r.errors.length }, { s: 2, k: 7, e: 1 });
  });
});
