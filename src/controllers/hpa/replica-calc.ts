// The replica arithmetic of Kubernetes' HPA (pkg/controller/podautoscaler/replica_calculator.go), as plain
// functions: pods are grouped into ready / unready / missing-metrics / ignored, the usage ratio against the target
// decides the proposal, within a 10% tolerance nothing changes, and when pods are missing metrics or unready the
// ratio is recomputed conservatively (missing pods count as 100% on the way down and 0% on the way up; unready
// pods count as 0% on the way up) and a proposal that would flip the direction is dropped.
import { Quantity } from '../../api/quantity.js';
import type { Pod } from '../common/types.js';

export const DEFAULT_TOLERANCE = 0.1;
/** --horizontal-pod-autoscaler-cpu-initialization-period */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** --horizontal-pod-autoscaler-initial-readiness-delay */
export const INITIAL_READINESS_DELAY_MS = 30_000;

/** One pod's usage of one resource, in thousandths (millicores; milli-bytes for memory), as metricsclient keeps it. */
export interface PodMetric {
  value: number;
  tsMs: number;
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

export interface CalcOptions {
  tolerance?: number;
  cpuInitializationPeriodMs?: number;
  delayOfInitialReadinessStatusMs?: number;
  now: number;
}

export interface Grouped {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

const ms = (t: string | undefined): number | undefined => {
  if (!t) return undefined;
  const v = Date.parse(t);
  return Number.isNaN(v) ? undefined : v;
};

export function groupPods(pods: Pod[], metrics: PodMetrics, resource: string, o: CalcOptions): Grouped {
  const g: Grouped = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  const init = o.cpuInitializationPeriodMs ?? CPU_INITIALIZATION_PERIOD_MS;
  const delay = o.delayOfInitialReadinessStatusMs ?? INITIAL_READINESS_DELAY_MS;
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const cond = pod.status?.conditions?.find((c) => c.type === 'Ready');
      const start = ms(pod.status?.startTime);
      let unready: boolean;
      if (!cond || start === undefined) unready = true;
      else {
        const transition = ms(cond.lastTransitionTime) ?? 0;
        if (start + init > o.now) {
          // Still initialising: unready, or no full metric window since it became ready.
          unready = cond.status === 'False' || metric.tsMs < transition + metric.windowMs;
        } else {
          // Unready and never ready since the initial readiness delay.
          unready = cond.status === 'False' && start + delay > transition;
        }
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyPodCount++;
  }
  return g;
}

/** Sum of the requests of the containers considered (all, or one by name), per pod, in thousandths. */
export function podRequests(pods: Pod[], resource: string, container?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
    let sum = 0;
    for (const c of [...(pod.spec?.containers ?? []), ...sidecars]) {
      if (container && c.name !== container) continue;
      const r = c.resources?.requests?.[resource];
      const q = r === undefined ? undefined : Quantity.parse(String(r));
      if (!q) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name ?? ''}`);
      sum += q.milliValue();
    }
    out.set(pod.metadata?.name ?? '', sum);
  }
  return out;
}

export interface UtilizationRatio {
  ratio: number;
  /** Whole percent of the requests (truncated, as Kubernetes' int32 conversion). */
  utilization: number;
  /** Average usage per pod counted, in thousandths. */
  rawAverage: number;
}

export function utilizationRatio(metrics: PodMetrics, requests: Map<string, number>, targetUtilization: number): UtilizationRatio {
  let used = 0;
  let requested = 0;
  let n = 0;
  for (const [name, m] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    used += m.value;
    requested += r;
    n++;
  }
  if (requested === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((used * 100) / requested);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(used / n) };
}

export function usageRatio(metrics: PodMetrics, targetUsage: number): { ratio: number; average: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const average = Math.trunc(total / metrics.size);
  return { ratio: average / targetUsage, average };
}

export interface Proposal {
  replicas: number;
  /** Utilization targets: the percentage. */
  utilization?: number;
  /** Average usage per pod in thousandths. */
  rawAverage: number;
  tsMs: number;
}

function latestTs(metrics: PodMetrics): number {
  let t = 0;
  for (const m of metrics.values()) t = Math.max(t, m.tsMs);
  return t;
}

/**
 * The first steps both resource calculations share: the pods grouped (ignored, unready, missing metrics), and the
 * metrics of the pods that count. Throws with Kubernetes' messages when there are no pods or no usable metrics.
 */
function countedMetrics(args: { pods: Pod[]; metrics: PodMetrics; resource: string; opts: CalcOptions }): { metrics: PodMetrics; tsMs: number; g: Grouped } {
  if (args.pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const metrics = new Map(args.metrics);
  const g = groupPods(args.pods, metrics, args.resource, args.opts);
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  return { metrics, tsMs: latestTs(args.metrics), g };
}

/** GetResourceReplicas: a Utilization target (percent of requests). Throws with Kubernetes' messages. */
export function resourceReplicas(args: {
  currentReplicas: number;
  targetUtilization: number;
  resource: string;
  container?: string;
  pods: Pod[];
  metrics: PodMetrics;
  opts: CalcOptions;
}): Proposal {
  const { pods, opts } = args;
  const { metrics, tsMs, g } = countedMetrics(args);
  const requests = podRequests(pods, args.resource, args.container);
  const first = utilizationRatio(metrics, requests, args.targetUtilization);
  const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE;
  const result = (replicas: number): Proposal => ({ replicas, utilization: first.utilization, rawAverage: first.rawAverage, tsMs });
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1.0;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1.0 - first.ratio) <= tolerance) return result(args.currentReplicas);
    return result(Math.ceil(first.ratio * g.readyPodCount));
  }
  if (g.missing.size > 0) {
    if (first.ratio < 1.0) {
      const fallback = Math.max(100, args.targetUtilization);
      for (const n of g.missing) metrics.set(n, { value: ((requests.get(n) ?? 0) * fallback) / 100, tsMs: 0, windowMs: 0 });
    } else if (first.ratio > 1.0) {
      for (const n of g.missing) metrics.set(n, { value: 0, tsMs: 0, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, { value: 0, tsMs: 0, windowMs: 0 });
  const second = utilizationRatio(metrics, requests, args.targetUtilization).ratio;
  return result(rebalanced(args.currentReplicas, first.ratio, second, metrics.size, tolerance));
}

/** GetRawResourceReplicas: an AverageValue target (usage per pod, in thousandths). */
export function rawResourceReplicas(args: {
  currentReplicas: number;
  targetAverage: number;
  resource: string;
  pods: Pod[];
  metrics: PodMetrics;
  opts: CalcOptions;
}): Proposal {
  const { pods, opts } = args;
  const { metrics, tsMs, g } = countedMetrics(args);
  const first = usageRatio(metrics, args.targetAverage);
  const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE;
  const result = (replicas: number): Proposal => ({ replicas, rawAverage: first.average, tsMs });
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1.0;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1.0 - first.ratio) <= tolerance) return result(args.currentReplicas);
    return result(Math.ceil(first.ratio * g.readyPodCount));
  }
  if (g.missing.size > 0) {
    const v = first.ratio < 1.0 ? args.targetAverage : 0;
    for (const n of g.missing) metrics.set(n, { value: v, tsMs: 0, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, { value: 0, tsMs: 0, windowMs: 0 });
  const second = usageRatio(metrics, args.targetAverage).ratio;
  return result(rebalanced(args.currentReplicas, first.ratio, second, metrics.size, tolerance));
}

/** The second pass: no change when within tolerance or when the assumptions flip the direction. */
function rebalanced(current: number, firstRatio: number, newRatio: number, counted: number, tolerance: number): number {
  if (Math.abs(1.0 - newRatio) <= tolerance || (firstRatio < 1.0 && newRatio > 1.0) || (firstRatio > 1.0 && newRatio < 1.0)) return current;
  const replicas = Math.ceil(newRatio * counted);
  if ((newRatio < 1.0 && replicas > current) || (newRatio > 1.0 && replicas < current)) return current;
  return replicas;
}
