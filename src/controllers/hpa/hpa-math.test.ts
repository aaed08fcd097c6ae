import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../common/types.js';
import { changeInPeriod, limitDefault, limitWithBehavior, scaleDownLimit, scaleUpLimit, stabilizeDefault, stabilizeWithBehavior, storeScaleEvent, type ScaleEvent } from './behavior.js';
import { parseGoDuration } from './metrics-client.js';
import { rawResourceReplicas, resourceReplicas, type PodMetrics } from './replica-calc.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();

/** A running pod, ready since long ago unless told otherwise, with one container requesting cpu. */
function pod(name: string, o: { request?: string; phase?: string; ready?: boolean; startedAgoMs?: number; readyAgoMs?: number; deleting?: boolean } = {}): Pod {
  const started = NOW - (o.startedAgoMs ?? 3_600_000);
  return {
    metadata: { name, ...(o.deleting ? { deletionTimestamp: iso(NOW) } : {}) },
    spec: { containers: [{ name: 'c', resources: o.request === undefined ? {} : { requests: { cpu: o.request, memory: o.request } } }] },
    status: {
      phase: o.phase ?? 'Running',
      startTime: iso(started),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: iso(NOW - (o.readyAgoMs ?? 3_000_000)) }],
    },
  };
}

function metrics(values: Record<string, number>, tsMs = NOW - 1000, windowMs = 15_000): PodMetrics {
  return new Map(Object.entries(values).map(([k, v]) => [k, { value: v, tsMs, windowMs }]));
}

describe('resourceReplicas (Utilization)', () => {
  const cases: { name: string; current: number; target: number; pods: Pod[]; m: PodMetrics; want: number; util?: number }[] = [
    { name: 'scale up by the ratio', current: 1, target: 50, pods: [pod('a', { request: '100m' })], m: metrics({ a: 200 }), want: 4, util: 200 },
    { name: 'within tolerance stays', current: 2, target: 50, pods: [pod('a', { request: '100m' }), pod('b', { request: '100m' })], m: metrics({ a: 52, b: 54 }), want: 2, util: 53 },
    { name: 'scale down', current: 4, target: 50, pods: ['a', 'b', 'c', 'd'].map((n) => pod(n, { request: '100m' })), m: metrics({ a: 10, b: 10, c: 10, d: 10 }), want: 1, util: 10 },
    // 2 ready pods at 100% -> ratio 2; the pending pod counts as 0% on the way up: (200+0)/300 -> ceil(3*1.33)=4
    {
      name: 'unready pods count as zero on a scale-up',
      current: 3,
      target: 50,
      pods: [pod('a', { request: '100m' }), pod('b', { request: '100m' }), pod('p', { request: '100m', phase: 'Pending' })],
      m: metrics({ a: 100, b: 100 }),
      want: 4,
      util: 100,
    },
    // a pod without metrics counts as 100% of its request when scaling down: (10+10+100)/300=40% -> ratio .8 -> ceil(3*.8)=3
    {
      name: 'missing metrics count as 100% on a scale-down',
      current: 3,
      target: 50,
      pods: [pod('a', { request: '100m' }), pod('b', { request: '100m' }), pod('m', { request: '100m' })],
      m: metrics({ a: 10, b: 10 }),
      want: 3,
      util: 10,
    },
    // a new pod still initialising whose metric window started before it became ready is ignored
    {
      name: 'cpu of a pod within its initialization period without a full window is unready',
      current: 2,
      target: 50,
      pods: [pod('a', { request: '100m' }), pod('new', { request: '100m', startedAgoMs: 20_000, readyAgoMs: 5_000 })],
      m: metrics({ a: 100, new: 500 }),
      want: 2,
      util: 100,
    },
    { name: 'deleting pods are ignored', current: 2, target: 50, pods: [pod('a', { request: '100m' }), pod('x', { request: '100m', deleting: true })], m: metrics({ a: 100, x: 900 }), want: 2, util: 100 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = resourceReplicas({ currentReplicas: c.current, targetUtilization: c.target, resource: 'cpu', pods: c.pods, metrics: c.m, opts: { now: NOW } });
      assert.equal(p.replicas, c.want);
      if (c.util !== undefined) assert.equal(p.utilization, c.util);
    });
  }
  it('fails with Kubernetes messages', () => {
    assert.throws(() => resourceReplicas({ currentReplicas: 1, targetUtilization: 50, resource: 'cpu', pods: [], metrics: metrics({}), opts: { now: NOW } }), /no pods returned by selector/);
    assert.throws(
      () => resourceReplicas({ currentReplicas: 1, targetUtilization: 50, resource: 'cpu', pods: [pod('a')], metrics: metrics({ a: 1 }), opts: { now: NOW } }),
      /missing request for cpu in container c of Pod a/,
    );
    assert.throws(
      () => resourceReplicas({ currentReplicas: 1, targetUtilization: 50, resource: 'cpu', pods: [pod('a', { request: '1', phase: 'Pending' })], metrics: metrics({ a: 1 }), opts: { now: NOW } }),
      /did not receive metrics for targeted pods \(pods might be unready\)/,
    );
  });
});

describe('rawResourceReplicas (AverageValue)', () => {
  it('scales by average usage per pod against the target', () => {
    const p = rawResourceReplicas({ currentReplicas: 2, targetAverage: 100_000, resource: 'memory', pods: [pod('a'), pod('b')], metrics: metrics({ a: 300_000, b: 100_000 }), opts: { now: NOW } });
    assert.equal(p.replicas, 4);
    assert.equal(p.rawAverage, 200_000);
  });
});

describe('stabilization', () => {
  it('without behavior keeps the highest recommendation of the downscale window', () => {
    const recs = [{ replicas: 5, tsMs: NOW - 60_000 }];
    assert.equal(stabilizeDefault(recs, 2, NOW, 300_000), 5);
    assert.equal(stabilizeDefault(recs, 2, NOW + 400_000, 300_000), 2);
  });
  it('with behavior: up window takes the lowest, down window the highest', () => {
    const recs = [
      { replicas: 3, tsMs: NOW - 10_000 },
      { replicas: 6, tsMs: NOW - 5_000 },
    ];
    const down = stabilizeWithBehavior(structuredClone(recs), { current: 6, desired: 1, upWindowSeconds: 0, downWindowSeconds: 60 }, NOW);
    assert.deepEqual([down.replicas, down.reason], [6, 'ScaleDownStabilized']);
    const noWindow = stabilizeWithBehavior(structuredClone(recs), { current: 6, desired: 1, upWindowSeconds: 0, downWindowSeconds: 0 }, NOW);
    assert.equal(noWindow.replicas, 1);
    const up = stabilizeWithBehavior(structuredClone(recs), { current: 2, desired: 8, upWindowSeconds: 30, downWindowSeconds: 0 }, NOW);
    assert.deepEqual([up.replicas, up.reason], [3, 'ScaleUpStabilized']);
  });
});

describe('rate limits', () => {
  const cases: { name: string; current: number; desired: number; min: number; max: number; want: number; reason: string }[] = [
    { name: 'doubling or 4', current: 1, desired: 10, min: 1, max: 10, want: 4, reason: 'ScaleUpLimit' },
    { name: 'max replicas', current: 3, desired: 10, min: 1, max: 5, want: 5, reason: 'TooManyReplicas' },
    { name: 'min replicas', current: 3, desired: 0, min: 2, max: 5, want: 2, reason: 'TooFewReplicas' },
    { name: 'within range', current: 3, desired: 4, min: 1, max: 5, want: 4, reason: 'DesiredWithinRange' },
  ];
  for (const c of cases) {
    it(`default: ${c.name}`, () => {
      const l = limitDefault(c.current, c.desired, c.min, c.max);
      assert.deepEqual([l.replicas, l.reason], [c.want, c.reason]);
    });
  }
  const up = { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] };
  const down = { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] };
  it('scale up: the larger of +4 pods and +100%', () => {
    assert.equal(scaleUpLimit(2, [], [], up, NOW), 6);
    assert.equal(scaleUpLimit(10, [], [], up, NOW), 20);
    assert.equal(scaleUpLimit(10, [], [], { ...up, selectPolicy: 'Min' }, NOW), 14);
    assert.equal(scaleUpLimit(10, [], [], { ...up, selectPolicy: 'Disabled' }, NOW), 10);
  });
  it('scale events in the period count against the limit', () => {
    const events: ScaleEvent[] = [{ change: 4, tsMs: NOW - 5_000, outdated: false }];
    assert.equal(changeInPeriod(15, events, NOW), 4);
    // started the period at 2, now 6: +4 pods or +100% of 2 -> 6, no room
    const l = limitWithBehavior({ current: 6, desired: 12, min: 1, max: 20, scaleUp: up, scaleDown: down }, events, [], NOW);
    assert.deepEqual([l.replicas, l.reason], [6, 'ScaleUpLimit']);
  });
  it('scale down: at most 50% per minute', () => {
    assert.equal(scaleDownLimit(10, [], [], down, NOW), 5);
    const l = limitWithBehavior({ current: 10, desired: 1, min: 1, max: 20, scaleUp: up, scaleDown: down }, [], [], NOW);
    assert.deepEqual([l.replicas, l.reason], [5, 'ScaleDownLimit']);
  });
  it('old scale events are reused once outdated', () => {
    const events: ScaleEvent[] = [{ change: 1, tsMs: NOW - 100_000, outdated: false }];
    storeScaleEvent(events, 3, 15, NOW);
    assert.deepEqual(events, [{ change: 3, tsMs: NOW, outdated: false }]);
  });
});

describe('parseGoDuration', () => {
  for (const [s, ms] of [['10.004s', 10_004], ['1m0.5s', 60_500], ['250ms', 250], ['1h2m3s', 3_723_000]] as const) {
    it(s, () => assert.equal(Math.round(parseGoDuration(s)), ms));
  }
});
