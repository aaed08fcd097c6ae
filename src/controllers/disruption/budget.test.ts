import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../common/types.js';
import { computeBudgetStatus, expectedAndDesired, scaledValue } from './budget.js';
import { decideEviction } from './eviction.js';
import type { PodDisruptionBudget } from './types.js';

const now = new Date(Date.UTC(2026, 0, 1, 0, 10));
const pod = (name: string, ready: boolean, extra: Partial<Pod['metadata']> = {}, phase = 'Running'): Pod => ({
  metadata: { name, namespace: 'ns', labels: { app: 'a' }, ...extra },
  status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const pdb = (spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status'], generation = 1): PodDisruptionBudget => ({
  metadata: { name: 'b', namespace: 'ns', generation },
  spec: { selector: { matchLabels: { app: 'a' } }, ...spec },
  ...(status ? { status } : {}),
});

describe('budget arithmetic', () => {
  it('scales int-or-percent values', () => {
    const cases: [number | string, number, boolean, number][] = [
      [2, 10, true, 2],
      ['25%', 10, true, 3],
      ['25%', 10, false, 2],
      ['50%', 3, true, 2],
      ['0%', 7, true, 0],
      ['100%', 7, true, 7],
      ['3', 7, true, 3],
    ];
    for (const [v, total, up, want] of cases) assert.equal(scaledValue(v, total, up), want, `${v} of ${total}`);
  });

  it('works out expected and desired pods', () => {
    const cases: [PodDisruptionBudget['spec'], number, number, { expected: number; desired: number }][] = [
      [{ minAvailable: 2 }, 3, 99, { expected: 3, desired: 2 }],
      [{ minAvailable: '50%' }, 3, 5, { expected: 5, desired: 3 }],
      [{ maxUnavailable: 1 }, 3, 5, { expected: 5, desired: 4 }],
      [{ maxUnavailable: '25%' }, 10, 10, { expected: 10, desired: 7 }],
      [{ maxUnavailable: 9 }, 3, 5, { expected: 5, desired: 0 }],
      [{}, 4, 0, { expected: 4, desired: 0 }],
    ];
    for (const [spec, pods, scale, want] of cases) assert.deepEqual(expectedAndDesired(pdb(spec), pods, scale), want, JSON.stringify(spec));
  });

  it('computes status from pods', () => {
    const pods = [pod('p1', true), pod('p2', true), pod('p3', false), pod('p4', true, { deletionTimestamp: 'x' })];
    const { status } = computeBudgetStatus({ pdb: pdb({ minAvailable: 1 }), pods, controllerScale: 0, now });
    assert.equal(status.currentHealthy, 2);
    assert.equal(status.desiredHealthy, 1);
    assert.equal(status.expectedPods, 4);
    assert.equal(status.disruptionsAllowed, 1);
    assert.equal(status.observedGeneration, 1);
    assert.deepEqual(
      status.conditions?.map((c) => [c.type, c.status, c.reason]),
      [['DisruptionAllowed', 'True', 'SufficientPods']],
    );
  });

  it('keeps recent disruptedPods out of the healthy count and drops expired ones', () => {
    const pods = [pod('p1', true), pod('p2', true), pod('p3', true)];
    const recent = new Date(now.getTime() - 30_000).toISOString().replace(/\.\d+Z/, 'Z');
    const old = new Date(now.getTime() - 180_000).toISOString().replace(/\.\d+Z/, 'Z');
    const b = pdb({ minAvailable: 2 }, { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, disruptedPods: { p1: recent, p2: old, gone: recent } });
    const r = computeBudgetStatus({ pdb: b, pods, controllerScale: 0, now });
    assert.deepEqual(r.status.disruptedPods, { p1: recent });
    assert.equal(r.status.currentHealthy, 2);
    assert.equal(r.status.disruptionsAllowed, 0);
    assert.equal(r.status.conditions?.[0]?.reason, 'InsufficientPods');
    assert.equal(r.recheckAt, Date.parse(recent) + 120_000);
  });

  it('fails safe when the controllers cannot be found', () => {
    const r = computeBudgetStatus({ pdb: pdb({ maxUnavailable: 1 }), pods: [pod('p1', true)], controllerScale: { error: 'found no controller ref for pod "p1"' }, now });
    assert.equal(r.status.disruptionsAllowed, 0);
    assert.deepEqual([r.status.conditions?.[0]?.reason, r.status.conditions?.[0]?.message], ['SyncFailed', 'found no controller ref for pod "p1"']);
  });
});

describe('eviction decision', () => {
  const ok = { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, observedGeneration: 1 };
  const cases: { name: string; pdbs: PodDisruptionBudget[]; pod: Pod; want: string; cause?: RegExp }[] = [
    { name: 'no budget', pdbs: [], pod: pod('p1', true), want: 'allow' },
    { name: 'selector does not match', pdbs: [pdb({ minAvailable: 1, selector: { matchLabels: { app: 'z' } } }, ok)], pod: pod('p1', true), want: 'allow' },
    { name: 'pending pod', pdbs: [pdb({ minAvailable: 3 }, { ...ok, disruptionsAllowed: 0 })], pod: pod('p1', false, {}, 'Pending'), want: 'allow' },
    { name: 'budget allows', pdbs: [pdb({ minAvailable: 2 }, ok)], pod: pod('p1', true), want: 'spend' },
    { name: 'budget exhausted', pdbs: [pdb({ minAvailable: 3 }, { ...ok, desiredHealthy: 3, disruptionsAllowed: 0 })], pod: pod('p1', true), want: '429', cause: /needs 3 healthy pods and has 3 currently/ },
    { name: 'not observed yet', pdbs: [pdb({ minAvailable: 2 }, ok, 2)], pod: pod('p1', true), want: '429', cause: /still being processed/ },
    { name: 'unready pod, healthy budget', pdbs: [pdb({ minAvailable: 2 }, { ...ok, disruptionsAllowed: 0, currentHealthy: 2 })], pod: pod('p1', false), want: 'allow' },
    { name: 'unready pod, AlwaysAllow', pdbs: [pdb({ minAvailable: 5, unhealthyPodEvictionPolicy: 'AlwaysAllow' }, { ...ok, disruptionsAllowed: 0, desiredHealthy: 5 })], pod: pod('p1', false), want: 'allow' },
    { name: 'two budgets', pdbs: [pdb({ minAvailable: 1 }, ok), { ...pdb({ minAvailable: 1 }, ok), metadata: { name: 'c', namespace: 'ns', generation: 1 } }], pod: pod('p1', true), want: '500' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decideEviction(c.pdbs, c.pod, now);
      if (c.want === 'allow' || c.want === 'spend') return assert.equal(d.kind, c.want);
      assert.equal(d.kind, 'refuse');
      if (d.kind !== 'refuse') return;
      assert.equal(String(d.error.code), c.want);
      if (c.want === '429') {
        const s = d.error.toStatus();
        assert.equal(s.message, "Cannot evict pod as it would violate the pod's disruption budget.");
        assert.equal(s.reason, 'TooManyRequests');
        assert.equal(s.details?.causes?.[0]?.reason, 'DisruptionBudget');
        assert.match(s.details?.causes?.[0]?.message ?? '', c.cause!);
      }
    });
  }

  it('spending the last disruption flips the condition and notes the pod', () => {
    const d = decideEviction([pdb({ minAvailable: 2 }, ok)], pod('p1', true), now);
    assert.equal(d.kind, 'spend');
    if (d.kind !== 'spend') return;
    assert.equal(d.status.disruptionsAllowed, 0);
    assert.deepEqual(d.status.disruptedPods, { p1: '2026-01-01T00:10:00Z' });
    assert.equal(d.status.conditions?.[0]?.reason, 'InsufficientPods');
  });
});
