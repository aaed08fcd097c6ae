import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../object.js';
import { BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, CURRENT_METRICS_ANNOTATION, hpaV1ToV2, hpaV2ToV1, METRICS_ANNOTATION } from './autoscaling.js';

const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const meta = { name: 'web', namespace: 'default', uid: 'u1', labels: { app: 'web' } };
const cpu = (u: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: u } } });

const v2 = (spec: object, status?: object, annotations?: Record<string, string>): KubeObject =>
  ({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { ...meta, ...(annotations ? { annotations } : {}) }, spec, ...(status ? { status } : {}) }) as KubeObject;
const v1 = (spec: object, status?: object, annotations?: Record<string, string>): KubeObject =>
  ({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { ...meta, ...(annotations ? { annotations } : {}) }, spec, ...(status ? { status } : {}) }) as KubeObject;

// Every v2 metric source, in both directions.
const memAvg = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
const memAvgV1 = { type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } };
const pods = { type: 'Pods', pods: { metric: { name: 'qps', selector: { matchLabels: { a: 'b' } } }, target: { type: 'AverageValue', averageValue: '10' } } };
const podsV1 = { type: 'Pods', pods: { metricName: 'qps', selector: { matchLabels: { a: 'b' } }, targetAverageValue: '10' } };
const object = { type: 'Object', object: { describedObject: { kind: 'Ingress', name: 'main', apiVersion: 'networking.k8s.io/v1' }, metric: { name: 'rps' }, target: { type: 'Value', value: '2k' } } };
const objectV1 = { type: 'Object', object: { target: { kind: 'Ingress', name: 'main', apiVersion: 'networking.k8s.io/v1' }, metricName: 'rps', targetValue: '2k' } };
const external = { type: 'External', external: { metric: { name: 'queue', selector: { matchLabels: { q: 'jobs' } } }, target: { type: 'AverageValue', averageValue: '30' } } };
const externalV1 = { type: 'External', external: { metricName: 'queue', metricSelector: { matchLabels: { q: 'jobs' } }, targetAverageValue: '30' } };
const container = { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } };
const containerV1 = { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', targetAverageUtilization: 60 } };

const cpuNow = { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45, averageValue: '45m' } } };
const cpuNowV1 = { type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 45, currentAverageValue: '45m' } };
const memNow = { type: 'Resource', resource: { name: 'memory', current: { averageValue: '80Mi' } } };
const memNowV1 = { type: 'Resource', resource: { name: 'memory', currentAverageValue: '80Mi' } };
const extNow = { type: 'External', external: { metric: { name: 'queue' }, current: { value: '12', averageValue: '4' } } };
const extNowV1 = { type: 'External', external: { metricName: 'queue', currentValue: '12', currentAverageValue: '4' } };
const conditions = [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size', lastTransitionTime: '2025-01-01T00:00:00Z' }];
const behavior = { scaleDown: { stabilizationWindowSeconds: 10, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 5 }] } };
const status = { observedGeneration: 2, currentReplicas: 3, desiredReplicas: 4, lastScaleTime: '2025-01-01T00:00:10Z' };

describe('HorizontalPodAutoscaler autoscaling/v2 <-> autoscaling/v1', () => {
  const cases: { name: string; v2: KubeObject; v1: KubeObject }[] = [
    {
      name: 'CPU utilization only: the v1 field, no annotations',
      v2: v2({ scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, metrics: [cpu(50)] }),
      v1: v1({ scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 }),
    },
    {
      name: 'status: current CPU in the v1 field and, raw, in current-metrics; conditions in their annotation',
      v2: v2({ scaleTargetRef: ref, maxReplicas: 5, metrics: [cpu(50)] }, { ...status, currentMetrics: [cpuNow], conditions }),
      v1: v1({ scaleTargetRef: ref, maxReplicas: 5, targetCPUUtilizationPercentage: 50 }, { ...status, currentCPUUtilizationPercentage: 45 }, {
        [CURRENT_METRICS_ANNOTATION]: JSON.stringify([cpuNowV1]),
        [CONDITIONS_ANNOTATION]: JSON.stringify(conditions),
      }),
    },
    {
      name: 'every other metric source rides in the metrics annotation in v1 shape; behavior in its own',
      v2: v2({ scaleTargetRef: ref, minReplicas: 2, maxReplicas: 9, metrics: [cpu(70), memAvg, pods, object, external, container], behavior }, { ...status, currentMetrics: [memNow, extNow] }, { team: 'x' }),
      v1: v1({ scaleTargetRef: ref, minReplicas: 2, maxReplicas: 9, targetCPUUtilizationPercentage: 70 }, status, {
        team: 'x',
        [METRICS_ANNOTATION]: JSON.stringify([memAvgV1, podsV1, objectV1, externalV1, containerV1]),
        [BEHAVIOR_ANNOTATION]: JSON.stringify(behavior),
        [CURRENT_METRICS_ANNOTATION]: JSON.stringify([memNowV1, extNowV1]),
      }),
    },
    {
      name: 'no CPU utilization target: v1 has no targetCPUUtilizationPercentage',
      v2: v2({ scaleTargetRef: ref, maxReplicas: 3, metrics: [memAvg] }),
      v1: v1({ scaleTargetRef: ref, maxReplicas: 3 }, undefined, { [METRICS_ANNOTATION]: JSON.stringify([memAvgV1]) }),
    },
  ];
  for (const c of cases) {
    it(`${c.name}: v2 -> v1`, () => assert.deepEqual(hpaV2ToV1(c.v2), c.v1));
    it(`${c.name}: v1 -> v2`, () => assert.deepEqual(hpaV1ToV2(c.v1), c.v2));
    it(`${c.name}: v2 -> v1 -> v2 is lossless`, () => assert.deepEqual(hpaV1ToV2(hpaV2ToV1(c.v2)), c.v2));
  }

  it('v1 without any target means 80% CPU in v2 (the old implicit default)', () => {
    const out = hpaV1ToV2(v1({ scaleTargetRef: ref, maxReplicas: 3 })) as KubeObject & { spec: { metrics: unknown[] } };
    assert.deepEqual(out.spec.metrics, [cpu(80)]);
  });

  it('v1 with only currentCPUUtilizationPercentage gives one current CPU metric', () => {
    const out = hpaV1ToV2(v1({ scaleTargetRef: ref, maxReplicas: 3, targetCPUUtilizationPercentage: 50 }, { currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 30 })) as KubeObject & { status: { currentMetrics: unknown[] } };
    assert.deepEqual(out.status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 30 } } }]);
  });

  it('a malformed annotation is dropped rather than failing the read', () => {
    const out = hpaV1ToV2(v1({ scaleTargetRef: ref, maxReplicas: 3, targetCPUUtilizationPercentage: 50 }, undefined, { [METRICS_ANNOTATION]: '{not json' }));
    assert.deepEqual(out.metadata?.annotations, undefined);
    assert.deepEqual((out as KubeObject & { spec: { metrics: unknown[] } }).spec.metrics, [cpu(50)]);
  });

  it('leaves its input untouched', () => {
    const input = v2({ scaleTargetRef: ref, maxReplicas: 5, metrics: [cpu(50), memAvg], behavior }, { ...status, currentMetrics: [cpuNow], conditions });
    const copy = JSON.parse(JSON.stringify(input)) as KubeObject;
    hpaV1ToV2(hpaV2ToV1(input));
    assert.deepEqual(input, copy);
  });
});
