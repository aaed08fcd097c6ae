// HorizontalPodAutoscaler: TARGETS reads "cpu: 45%/50%" (Kubernetes 1.30+ prefixes the resource name).
// v1 objects (targetCPUUtilizationPercentage) are read as the v2 cpu metric they convert to.
import type { KubeObject } from '../object.js';
import { AGE, NAME, col } from './columns.js';
import { age, int, obj, objs, quantity, str } from './format.js';
import type { Printer } from './types.js';

type Rec = Record<string, unknown>;

/** The v2 metrics and current metrics, synthesised from v1 fields when that is what the object has. */
function metricsOf(o: KubeObject): { specs: Rec[]; statuses: Rec[] } {
  const spec = obj(o.spec);
  const st = obj(o.status);
  if (spec.metrics !== undefined || typeof spec.targetCPUUtilizationPercentage !== 'number') {
    return { specs: objs(spec.metrics), statuses: objs(st.currentMetrics) };
  }
  const specs = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } }];
  const statuses =
    typeof st.currentCPUUtilizationPercentage === 'number'
      ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: st.currentCPUUtilizationPercentage } } }]
      : [];
  return { specs, statuses };
}

function formatMetric(spec: Rec, status: Rec | undefined): string {
  const pair = (source: string): { target: Rec; current: Rec | undefined; name: string } => {
    const s = obj(spec[source]);
    const c = status?.[source] === undefined ? undefined : obj(status[source]);
    return { target: obj(s.target), current: c === undefined ? undefined : obj(c.current), name: str(s.name) };
  };
  switch (spec.type) {
    case 'External':
    case 'Object': {
      const { target, current } = pair(spec.type === 'External' ? 'external' : 'object');
      if (target.averageValue !== undefined) {
        const cur = current?.averageValue !== undefined ? quantity(current.averageValue) : '<unknown>';
        return `${cur}/${quantity(target.averageValue)} (avg)`;
      }
      return `${current ? quantity(current.value) : '<unknown>'}/${quantity(target.value)}`;
    }
    case 'Pods': {
      const { target, current } = pair('pods');
      return `${current ? quantity(current.averageValue) : '<unknown>'}/${quantity(target.averageValue)}`;
    }
    case 'Resource':
    case 'ContainerResource': {
      const { target, current, name } = pair(spec.type === 'Resource' ? 'resource' : 'containerResource');
      if (target.averageValue !== undefined) {
        return `${name}: ${current ? quantity(current.averageValue) : '<unknown>'}/${quantity(target.averageValue)}`;
      }
      const cur = typeof current?.averageUtilization === 'number' ? `${current.averageUtilization}%` : '<unknown>';
      const tgt = typeof target.averageUtilization === 'number' ? `${target.averageUtilization}%` : '<auto>';
      return `${name}: ${cur}/${tgt}`;
    }
    default:
      return '<unknown type>';
  }
}

/** At most two metrics, then " + N more...". */
export function hpaTargets(o: KubeObject): string {
  const { specs, statuses } = metricsOf(o);
  if (specs.length === 0) return '<none>';
  const shown = specs.slice(0, 2).map((s, i) => formatMetric(s, statuses[i]));
  return specs.length > 2 ? `${shown.join(', ')} + ${specs.length - 2} more...` : shown.join(', ');
}

export const hpaPrinter: Printer = {
  columns: [
    NAME,
    col('Reference', 'string', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
    col('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).'),
    col('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    col('MaxPods', 'string', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'),
    col('Replicas', 'string', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
    AGE,
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const ref = obj(spec.scaleTargetRef);
    const minPods = typeof spec.minReplicas === 'number' ? String(spec.minReplicas) : '<unset>';
    return [o.metadata?.name ?? '', `${str(ref.kind)}/${str(ref.name)}`, hpaTargets(o), minPods, int(spec.maxReplicas), int(obj(o.status).currentReplicas), age(o.metadata?.creationTimestamp, now)];
  },
};
