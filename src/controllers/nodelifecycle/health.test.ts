import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evictionAt } from './eviction-time.js';
import { markUnknown, reconcileTaints, wantedTaints } from './health.js';
import type { Taint, Toleration } from './types.js';

const now = new Date(Date.UTC(2026, 0, 1, 0, 1));
const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';

describe('node health', () => {
  it('marks every kubelet condition Unknown', () => {
    const out = markUnknown(
      [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: T0, lastTransitionTime: T0 },
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: T0, lastTransitionTime: T0 },
      ],
      { metadata: { creationTimestamp: T0 } },
      now,
    );
    assert.deepEqual(out.find((c) => c.type === 'Ready'), {
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      lastHeartbeatTime: T0,
      lastTransitionTime: T1,
    });
    assert.deepEqual(out.find((c) => c.type === 'DiskPressure'), {
      type: 'DiskPressure',
      status: 'Unknown',
      reason: 'NodeStatusNeverUpdated',
      message: 'Kubelet never posted node status.',
      lastHeartbeatTime: T0,
      lastTransitionTime: T1,
    });
    assert.equal(out.length, 4);
  });

  it('chooses taints from Ready', () => {
    assert.deepEqual(wantedTaints('True'), []);
    assert.deepEqual(wantedTaints('False').map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute']);
    assert.deepEqual(wantedTaints('Unknown').map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
  });

  const user: Taint = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };
  const unreachNE: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: T0 };
  const unreachNS: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' };
  const cases: { name: string; current: Taint[]; ready: string; want: Taint[] | undefined }[] = [
    { name: 'healthy node, nothing to do', current: [user], ready: 'True', want: undefined },
    { name: 'lost node gets unreachable', current: [user], ready: 'Unknown', want: [user, unreachNS, { ...unreachNE, timeAdded: T1 }] },
    { name: 'already tainted keeps timeAdded', current: [unreachNS, unreachNE], ready: 'Unknown', want: undefined },
    { name: 'recovered node loses them', current: [user, unreachNS, unreachNE], ready: 'True', want: [user] },
    {
      name: 'unreachable becomes not-ready',
      current: [unreachNS, unreachNE],
      ready: 'False',
      want: [
        { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: T1 },
      ],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(reconcileTaints(c.current, wantedTaints(c.ready), now), c.want));
});

describe('NoExecute eviction time', () => {
  const t0 = Date.parse(T0);
  const unreach: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: T0 };
  const other: Taint = { key: 'gpu-broken', effect: 'NoExecute', timeAdded: T0 };
  const cases: { name: string; tolerations?: Toleration[]; taints: Taint[]; want: number | undefined }[] = [
    { name: 'no NoExecute taints', taints: [{ key: 'x', effect: 'NoSchedule' }], want: undefined },
    { name: 'default toleration for unreachable', taints: [unreach], want: t0 + 300_000 },
    { name: 'own tolerationSeconds', tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }], taints: [unreach], want: t0 + 5000 },
    { name: 'tolerates forever', tolerations: [{ operator: 'Exists' }], taints: [unreach, other], want: undefined },
    { name: 'untolerated taint evicts at once', taints: [other], want: t0 },
    { name: 'negative seconds count as zero', tolerations: [{ key: 'gpu-broken', operator: 'Exists', tolerationSeconds: -3 }], taints: [other], want: t0 },
    {
      name: 'smallest of the tolerations used',
      tolerations: [
        { key: 'gpu-broken', operator: 'Exists', tolerationSeconds: 60 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 10 },
      ],
      taints: [unreach, other],
      want: t0 + 10_000,
    },
    { name: 'value must match with Equal', tolerations: [{ key: 'gpu-broken', operator: 'Equal', value: 'yes' }], taints: [other], want: t0 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(evictionAt(c.tolerations, c.taints, 300_000, t0), c.want));
});
