import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from '../common/types.js';
import { computeHash, fnv32a, safeEncode } from './hash.js';
import {
  MAX_REPLICAS,
  REVISION,
  REVISION_HISTORY,
  calculateStatus,
  deploymentTimedOut,
  equalIgnoreHash,
  lastRevision,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  planOldScaleDown,
  proportionalScale,
  replicaSetsToCleanUp,
  resolveFenceposts,
  setNewReplicaSetAnnotations,
} from './util.js';

function dep(replicas: number, surge: number | string = '25%', unavailable: number | string = '25%', extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'd', generation: 1 },
    spec: { replicas, selector: {}, template: {}, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } }, ...extra },
  };
}

let seq = 0;
function rs(name: string, replicas: number, available = replicas, o: { maxReplicas?: number; revision?: number; age?: number } = {}): ReplicaSet {
  const annotations: Record<string, string> = {};
  if (o.maxReplicas !== undefined) annotations[MAX_REPLICAS] = String(o.maxReplicas);
  if (o.revision !== undefined) annotations[REVISION] = String(o.revision);
  return {
    metadata: { name, uid: name, annotations, generation: 1, creationTimestamp: new Date(Date.UTC(2026, 0, 1) + (o.age ?? ++seq) * 1000).toISOString() },
    spec: { replicas, selector: {}, template: {} },
    status: { replicas, availableReplicas: available, readyReplicas: available, observedGeneration: 1 },
  };
}

describe('fenceposts', () => {
  const cases: [IntOrPct, IntOrPct, number, number, number][] = [
    // surge, unavailable, desired -> surge, unavailable
    ['25%', '25%', 10, 3, 2],
    ['25%', '25%', 1, 1, 0],
    ['25%', '25%', 4, 1, 1],
    [0, 0, 5, 0, 1],
    ['0%', '0%', 5, 0, 1],
    [1, 0, 3, 1, 0],
    ['50%', '10%', 5, 3, 0],
    [2, '100%', 3, 2, 3],
  ];
  for (const [s, u, n, ws, wu] of cases)
    it(`surge ${s} unavailable ${u} of ${n}`, () => assert.deepEqual(resolveFenceposts(s, u, n), { surge: ws, unavailable: wu }));
  it('maxUnavailable is capped by replicas and zero for Recreate', () => {
    assert.equal(maxUnavailable(dep(2, 0, 5)), 2);
    assert.equal(maxUnavailable({ ...dep(3), spec: { ...dep(3).spec!, strategy: { type: 'Recreate' } } }), 0);
    assert.equal(maxSurge(dep(10)), 3);
  });
});
type IntOrPct = number | string;

describe('new replica set scale-up', () => {
  const cases: { name: string; d: Deployment; all: number[]; cur: number; want: number }[] = [
    { name: 'fresh rollout: surge only', d: dep(10), all: [10], cur: 0, want: 3 },
    { name: 'at the surge ceiling', d: dep(10), all: [10, 3], cur: 3, want: 3 },
    { name: 'room after old shrank', d: dep(10), all: [6, 3], cur: 3, want: 7 },
    { name: 'never above replicas', d: dep(10), all: [0, 9], cur: 9, want: 10 },
    { name: 'recreate takes all', d: { ...dep(4), spec: { ...dep(4).spec!, strategy: { type: 'Recreate' } } }, all: [0, 0], cur: 0, want: 4 },
  ];
  for (const c of cases)
    it(c.name, () => {
      const newRS = rs('new', c.cur);
      const all = c.all.map((n, i) => (i === c.all.length - 1 && c.all.length > 1 ? newRS : rs(`old${i}`, n)));
      if (c.all.length === 1) all.push(newRS);
      assert.equal(newRSNewReplicas(c.d, all, newRS), c.want);
    });
});

describe('old replica set scale-down', () => {
  it('cleans up unhealthy replicas first, then respects minAvailable', () => {
    // 10 replicas, maxUnavailable 2: old has 10 (8 available), new has 3 (0 available).
    const plan = planOldScaleDown(dep(10), rs('new', 3, 0), [rs('old', 10, 8)]);
    // max scaled down = 13 - 8 - 3 = 2: both unhealthy go; available 8 = minAvailable, so nothing more.
    assert.deepEqual(plan.map((p) => [p.rs.metadata?.name, p.to]), [['old', 8]]);
  });
  it('scales old down by what availability allows', () => {
    const plan = planOldScaleDown(dep(10), rs('new', 3, 3), [rs('old', 10, 10)]);
    // available 13, minAvailable 8 -> 5 may go.
    assert.deepEqual(plan.map((p) => [p.rs.metadata?.name, p.to]), [['old', 5]]);
  });
  it('does nothing when the new pods are not available yet and no slack is left', () => {
    assert.deepEqual(planOldScaleDown(dep(10, '25%', 0), rs('new', 3, 0), [rs('old', 10, 10)]), []);
  });
  it('oldest replica sets go first', () => {
    const plan = planOldScaleDown(dep(4, 1, 1), rs('new', 1, 1, { age: 30 }), [rs('b', 2, 2, { age: 20 }), rs('a', 2, 2, { age: 10 })]);
    assert.deepEqual(plan.map((p) => [p.rs.metadata?.name, p.to]), [['a', 0]]);
  });
});

describe('proportional scaling', () => {
  it('spreads a resize over active replica sets by their share of the old maximum', () => {
    // 10 replicas, surge 3 -> max 13; resized to 15, surge 25% of 15 = 3.75 rounds up to 4 -> max 19.
    // old: 8 * 19 / 13 = 11.7 -> 12; new: 5 * 19 / 13 = 7.3 -> 7; together 19.
    const d = dep(15);
    const plan = proportionalScale(d, rs('new', 5, 0, { maxReplicas: 13, age: 2 }), [rs('old', 8, 8, { maxReplicas: 13, age: 1 })]);
    assert.equal(plan.operation, 'up');
    assert.deepEqual(plan.sizes.map((s) => [s.rs.metadata?.name, s.size]), [['old', 12], ['new', 7]]);
    assert.equal(plan.sizes.reduce((n, s) => n + s.size, 0), 19);
  });
  it('scales down to zero', () => {
    const plan = proportionalScale(dep(0), rs('new', 2, 0, { maxReplicas: 5 }), [rs('old', 3, 3, { maxReplicas: 5 })]);
    assert.deepEqual(plan.sizes.map((s) => s.size), [0, 0]);
    assert.equal(plan.operation, 'down');
  });
});

describe('revisions and annotations', () => {
  it('lastRevision is the second highest', () => {
    assert.equal(lastRevision([rs('a', 0, 0, { revision: 1 }), rs('b', 0, 0, { revision: 3 }), rs('c', 0, 0, { revision: 2 })]), 2);
    assert.equal(lastRevision([rs('a', 0, 0, { revision: 1 })]), 0);
  });
  it('a rolled-back replica set keeps its old revision in revision-history', () => {
    const d = dep(3);
    d.metadata!.annotations = { 'kubernetes.io/change-cause': 'x', [REVISION]: '9' };
    const r = rs('a', 0, 0, { revision: 1 });
    assert.ok(setNewReplicaSetAnnotations(d, r, 3, true));
    assert.equal(r.metadata?.annotations?.[REVISION], '3');
    assert.equal(r.metadata?.annotations?.[REVISION_HISTORY], '1');
    assert.equal(r.metadata?.annotations?.['kubernetes.io/change-cause'], 'x');
    assert.ok(setNewReplicaSetAnnotations(d, r, 5, true));
    assert.equal(r.metadata?.annotations?.[REVISION_HISTORY], '1,3');
    assert.ok(!setNewReplicaSetAnnotations(d, r, 4, true));
  });
  it('a new replica set gets desired and max replicas', () => {
    const r: ReplicaSet = { metadata: {} };
    setNewReplicaSetAnnotations(dep(10), r, 1, false);
    assert.deepEqual(r.metadata?.annotations, { [REVISION]: '1', 'deployment.kubernetes.io/desired-replicas': '10', [MAX_REPLICAS]: '13' });
  });
  it('templates compare without the hash label', () => {
    assert.ok(equalIgnoreHash({ metadata: { labels: { a: 'b', 'pod-template-hash': 'x' } } }, { metadata: { labels: { a: 'b' } }, spec: { containers: [] } }));
    assert.ok(!equalIgnoreHash({ metadata: { labels: { a: 'b' } } }, { metadata: { labels: { a: 'c' } } }));
  });
  it('cleanup keeps revisionHistoryLimit old replica sets, removing only settled empty ones', () => {
    const d = dep(1, 1, 0, { revisionHistoryLimit: 1 });
    const old = [rs('r1', 0, 0, { revision: 1 }), rs('r2', 1, 1, { revision: 2 }), rs('r3', 0, 0, { revision: 3 })];
    assert.deepEqual(replicaSetsToCleanUp(d, old).map((r) => r.metadata?.name), ['r1']);
  });
});

describe('hash', () => {
  it('FNV-32a and the safe alphabet', () => {
    assert.equal(fnv32a(Buffer.from('')), 0x811c9dc5);
    assert.equal(fnv32a(Buffer.from('a')), 0xe40c292c);
    // '0' is byte 48, 48 % 27 = 21 -> '4'; '6' wraps round to 'b'.
    assert.equal(safeEncode('0123456789'), '456789bcdf');
  });
  it('depends on the template and the collision count, not key order', () => {
    const a = computeHash({ metadata: { labels: { x: '1', y: '2' } } });
    assert.equal(a, computeHash({ metadata: { labels: { y: '2', x: '1' } } }));
    assert.notEqual(a, computeHash({ metadata: { labels: { x: '1', y: '3' } } }));
    assert.notEqual(a, computeHash({ metadata: { labels: { x: '1', y: '2' } } }, 1));
    assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });
});

describe('status', () => {
  it('counts from replica sets and sets Available', () => {
    const d = dep(5);
    const s = calculateStatus([rs('old', 2, 2), rs('new', 3, 1)], rs('new', 3, 1), d, new Date(0));
    assert.deepEqual({ ...s, conditions: undefined }, { replicas: 5, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 2, observedGeneration: 1, conditions: undefined });
    // 5 - floor(25% of 5)=1 -> needs 4 available.
    assert.equal(s.conditions?.[0]?.reason, 'MinimumReplicasUnavailable');
  });
  it('times out from the Progressing condition lastUpdateTime', () => {
    const d = dep(1, 1, 0, { progressDeadlineSeconds: 60 });
    const s = { replicas: 1, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: 1, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: '2026-01-01T00:00:00Z' }] };
    assert.equal(deploymentTimedOut(d, s, new Date('2026-01-01T00:00:59Z')), false);
    assert.equal(deploymentTimedOut(d, s, new Date('2026-01-01T00:01:01Z')), true);
  });
});
