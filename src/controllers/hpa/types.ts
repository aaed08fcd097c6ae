// The HorizontalPodAutoscaler as this controller reads it: autoscaling/v2, the version the API server stores and
// converts v1 writes to (src/apiserver/conversion.ts). A v1-shaped object (targetCPUUtilizationPercentage) is
// still read as the v2 cpu metric it converts to, for fakes and callers that hand one in directly.
import type {
  HorizontalPodAutoscalerBehavior,
  HorizontalPodAutoscalerCondition,
  HorizontalPodAutoscalerSpec,
  HorizontalPodAutoscalerStatus,
  MetricSpec,
} from 'kubernetes-types/autoscaling/v2.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceRef } from '../../client/types.js';

export interface Hpa extends KubeObject {
  spec?: HorizontalPodAutoscalerSpec & { targetCPUUtilizationPercentage?: number };
  status?: HorizontalPodAutoscalerStatus & { currentCPUUtilizationPercentage?: number };
}

export type HpaCondition = HorizontalPodAutoscalerCondition;

export interface Scale extends KubeObject {
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

export const hpaRef: ResourceRef = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers', namespaced: true };
export const podMetricsRef: ResourceRef = { group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods', namespaced: true };
export const crdsRef: ResourceRef = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', namespaced: false };

/** A v1 object: no metrics list, the CPU target in its own field. */
export function isV1Shape(h: Hpa): boolean {
  return h.spec?.metrics === undefined && (h.spec?.targetCPUUtilizationPercentage !== undefined || h.apiVersion === 'autoscaling/v1');
}

/** The metrics to act on: spec.metrics, or v1's cpu target (80% when unset, as v1 defaults it). */
export function metricSpecs(h: Hpa): MetricSpec[] {
  if (!isV1Shape(h)) return h.spec?.metrics ?? [];
  const pct = h.spec?.targetCPUUtilizationPercentage ?? 80;
  return [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: pct } } }];
}

/** The behavior with Kubernetes' defaults filled in (scale-down window: the controller's own). */
export function behaviorOf(h: Hpa, downscaleWindowSeconds: number): Required<HorizontalPodAutoscalerBehavior> | undefined {
  const b = h.spec?.behavior;
  if (!b) return undefined;
  const up = b.scaleUp ?? {};
  const down = b.scaleDown ?? {};
  return {
    scaleUp: {
      stabilizationWindowSeconds: up.stabilizationWindowSeconds ?? 0,
      selectPolicy: up.selectPolicy ?? 'Max',
      policies: up.policies ?? [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
    scaleDown: {
      stabilizationWindowSeconds: down.stabilizationWindowSeconds ?? downscaleWindowSeconds,
      selectPolicy: down.selectPolicy ?? 'Max',
      policies: down.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    },
  };
}
