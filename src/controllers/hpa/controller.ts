// The horizontal pod autoscaler (Kubernetes' HorizontalController): every sync period, for each HPA, read the
// target's /scale, compute a proposal per metric from metrics.k8s.io and the target's pods, take the largest,
// stabilize and rate-limit it (behavior.ts), write the new scale, then status, conditions and events.
//   handlers: an HPA added or with a new spec is synced now; every HPA is synced again each period.
//   state: recent recommendations and scale events per HPA, in memory, as in Kubernetes.
import type { MetricSpec, MetricStatus, MetricTarget, MetricValueStatus } from 'kubernetes-types/autoscaling/v2.js';
import { Quantity } from '../../api/quantity.js';
import type { Client, Informer, InformerFactory, ResourceRef, WorkQueue } from '../../client/types.js';
import { keyOf, splitKey } from '../../client/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { discardEvents, type EventSink } from '../common/events.js';
import { jsonEqual, withKind } from '../common/objects.js';
import { podsRef } from '../common/resources.js';
import type { Pod } from '../common/types.js';
import {
  DOWNSCALE_STABILIZATION_MS,
  limitDefault,
  limitWithBehavior,
  longestPeriod,
  stabilizeDefault,
  stabilizeWithBehavior,
  storeScaleEvent,
  type Recommendation,
  type ScaleEvent,
} from './behavior.js';
import { setCondition } from './conditions.js';
import { resourceMetrics } from './metrics-client.js';
import { rawResourceReplicas, resourceReplicas, type CalcOptions } from './replica-calc.js';
import { scaleTargetResource } from './scale-target.js';
import { behaviorOf, hpaRef, isV1Shape, metricSpecs, type Hpa, type HpaCondition, type Scale } from './types.js';

export const DEFAULT_SYNC_PERIOD_MS = 15_000;

export interface HpaTuning {
  /** --horizontal-pod-autoscaler-sync-period (15 s) */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (5 min) */
  downscaleStabilizationMs?: number;
  /** --horizontal-pod-autoscaler-tolerance (0.1) */
  tolerance?: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (5 min) */
  cpuInitializationPeriodMs?: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (30 s) */
  initialReadinessDelayMs?: number;
}

export interface HpaControllerDeps extends HpaTuning {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  logger: Logger;
  recorder?: EventSink;
  queue: WorkQueue;
}

interface KeyState {
  recommendations: Recommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

/** A metric that could not be computed: the condition reason and the error text. */
class MetricError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

interface MetricResult {
  replicas: number;
  /** "cpu resource utilization (percentage of request)" */
  name: string;
  status: MetricStatus;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class HpaController {
  readonly hpas: Informer<Hpa>;
  private readonly state = new Map<string, KeyState>();
  private readonly nextSync = new Map<string, number>();
  private readonly recorder: EventSink;

  constructor(private readonly d: HpaControllerDeps) {
    this.hpas = d.informers.informer<Hpa>(hpaRef);
    this.recorder = d.recorder ?? discardEvents;
    this.hpas.addHandlers({
      add: (h) => d.queue.add(keyOf(h)),
      // Our own status writes come back as updates: only a spec change needs a sync before the next period.
      update: (old, h) => {
        if (!jsonEqual(old.spec, h.spec)) d.queue.add(keyOf(h));
      },
      delete: (h) => d.queue.add(keyOf(h)),
    });
  }

  private get syncPeriodMs(): number {
    return this.d.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS;
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.hpas.get(namespace, name);
    if (!cached) {
      this.state.delete(key);
      this.nextSync.delete(key);
      return;
    }
    try {
      await this.sync(key, withKind(structuredClone(cached), 'autoscaling/v2', 'HorizontalPodAutoscaler'));
    } finally {
      // One pending periodic sync per HPA, however many event-driven syncs happen in between.
      const now = this.d.clock.now().getTime();
      if ((this.nextSync.get(key) ?? 0) <= now) {
        this.nextSync.set(key, now + this.syncPeriodMs);
        this.d.queue.addAfter(key, this.syncPeriodMs);
      }
    }
  }

  private stateOf(key: string): KeyState {
    let s = this.state.get(key);
    if (!s) this.state.set(key, (s = { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] }));
    return s;
  }

  private async sync(key: string, hpa: Hpa): Promise<void> {
    const now = this.d.clock.now();
    const ns = hpa.metadata?.namespace ?? 'default';
    const conditions: HpaCondition[] = structuredClone(hpa.status?.conditions ?? []);
    const ref = hpa.spec?.scaleTargetRef;
    const reference = `${ref?.kind ?? ''}/${ref?.name ?? ''}`;
    let target: ResourceRef;
    let scale: Scale;
    try {
      target = await scaleTargetResource(this.d.client, ref?.apiVersion, ref?.kind ?? '');
      scale = await this.d.client.get<Scale>(target, ns, ref?.name ?? '', { subresource: 'scale' });
    } catch (e) {
      this.recorder.event(hpa, 'Warning', 'FailedGetScale', errText(e));
      setCondition(conditions, 'AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${errText(e)}`, now);
      await this.writeStatus(hpa, { ...hpa.status, currentReplicas: hpa.status?.currentReplicas ?? 0, desiredReplicas: hpa.status?.desiredReplicas ?? 0, conditions });
      return;
    }
    setCondition(conditions, 'AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale", now);
    const current = scale.spec?.replicas ?? 0;
    const st = this.stateOf(key);
    if (st.recommendations.length === 0) st.recommendations.push({ replicas: current, tsMs: now.getTime() });

    const min = hpa.spec?.minReplicas ?? 1;
    const max = hpa.spec?.maxReplicas ?? 1;
    let desired = 0;
    let rescale = true;
    let reason = '';
    let statuses: MetricStatus[] = [];
    if (current === 0 && min !== 0) {
      rescale = false;
      setCondition(conditions, 'ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero', now);
    } else if (current > max) {
      reason = 'Current number of replicas above Spec.MaxReplicas';
      desired = max;
    } else if (current < min) {
      reason = 'Current number of replicas below Spec.MinReplicas';
      desired = min;
    } else {
      const r = await this.computeReplicasForMetrics(hpa, ns, scale, current, conditions, now);
      statuses = r.statuses;
      if (r.replicas < 0) {
        await this.writeStatus(hpa, this.statusFor(hpa, current, hpa.status?.desiredReplicas ?? 0, statuses, conditions, false, now));
        this.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', r.error ?? '');
        this.d.logger.debug('failed to compute desired number of replicas', { hpa: key, target: reference, err: r.error });
        return;
      }
      desired = r.replicas;
      if (desired > current) reason = `${r.metric} above target`;
      if (desired < current) reason = 'All metrics below target';
      desired = this.normalize(hpa, st, current, desired, min, max, conditions, now.getTime());
      rescale = desired !== current;
    }

    if (rescale) {
      try {
        await this.d.client.update<Scale>(target, ns, { ...scale, spec: { ...scale.spec, replicas: desired } }, { subresource: 'scale' });
      } catch (e) {
        this.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${reason}; error: ${errText(e)}`);
        setCondition(conditions, 'AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${errText(e)}`, now);
        await this.writeStatus(hpa, this.statusFor(hpa, current, hpa.status?.desiredReplicas ?? 0, statuses, conditions, false, now));
        return;
      }
      setCondition(conditions, 'AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`, now);
      this.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
      this.d.logger.info('rescaled', { hpa: key, target: reference, from: current, to: desired, reason });
      const behavior = behaviorOf(hpa, this.downscaleWindowSeconds());
      if (behavior) {
        if (desired > current) storeScaleEvent(st.scaleUpEvents, desired - current, longestPeriod(behavior.scaleUp), now.getTime());
        else storeScaleEvent(st.scaleDownEvents, current - desired, longestPeriod(behavior.scaleDown), now.getTime());
      }
    } else desired = current;
    await this.writeStatus(hpa, this.statusFor(hpa, current, desired, statuses, conditions, rescale, now));
  }

  private downscaleWindowSeconds(): number {
    return (this.d.downscaleStabilizationMs ?? DOWNSCALE_STABILIZATION_MS) / 1000;
  }

  private normalize(hpa: Hpa, st: KeyState, current: number, proposed: number, min: number, max: number, conditions: HpaCondition[], now: number): number {
    const at = new Date(now);
    const behavior = behaviorOf(hpa, this.downscaleWindowSeconds());
    let stabilized: number;
    let limited: { replicas: number; reason: string; message: string };
    if (!behavior) {
      stabilized = stabilizeDefault(st.recommendations, proposed, now, this.d.downscaleStabilizationMs ?? DOWNSCALE_STABILIZATION_MS);
      if (stabilized !== proposed) {
        setCondition(conditions, 'AbleToScale', 'True', 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation', at);
      } else setCondition(conditions, 'AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size', at);
      limited = limitDefault(current, stabilized, min, max);
    } else {
      const s = stabilizeWithBehavior(
        st.recommendations,
        { current, desired: proposed, upWindowSeconds: behavior.scaleUp.stabilizationWindowSeconds ?? 0, downWindowSeconds: behavior.scaleDown.stabilizationWindowSeconds ?? 0 },
        now,
      );
      stabilized = s.replicas;
      if (stabilized !== proposed) setCondition(conditions, 'AbleToScale', 'True', s.reason, s.message, at);
      else setCondition(conditions, 'AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size', at);
      limited = limitWithBehavior({ current, desired: stabilized, min, max, scaleUp: behavior.scaleUp, scaleDown: behavior.scaleDown }, st.scaleUpEvents, st.scaleDownEvents, now);
    }
    setCondition(conditions, 'ScalingLimited', limited.replicas === stabilized ? 'False' : 'True', limited.reason, limited.message, at);
    return limited.replicas;
  }

  private calcOptions(now: Date): CalcOptions {
    return {
      now: now.getTime(),
      tolerance: this.d.tolerance,
      cpuInitializationPeriodMs: this.d.cpuInitializationPeriodMs,
      delayOfInitialReadinessStatusMs: this.d.initialReadinessDelayMs,
    };
  }

  /** The largest proposal over the metrics; replicas -1 when none could be computed (or some failed on a scale-down). */
  private async computeReplicasForMetrics(
    hpa: Hpa,
    ns: string,
    scale: Scale,
    current: number,
    conditions: HpaCondition[],
    now: Date,
  ): Promise<{ replicas: number; metric: string; statuses: MetricStatus[]; error?: string }> {
    const specs = metricSpecs(hpa);
    const selector = scale.status?.selector ?? '';
    if (!selector) {
      this.recorder.event(hpa, 'Warning', 'SelectorRequired', 'selector is required');
      setCondition(conditions, 'ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector", now);
      return { replicas: -1, metric: '', statuses: [], error: 'selector is required' };
    }
    let pods: Pod[] | undefined;
    const loadPods = async () => {
      if (pods) return pods;
      try {
        pods = (await this.d.client.list<Pod>(podsRef, ns, { labelSelector: selector })).items;
      } catch (e) {
        throw new Error(`unable to get pods while calculating replica count: ${errText(e)}`);
      }
      return pods;
    };
    const statuses: MetricStatus[] = [];
    let replicas = 0;
    let metric = '';
    let invalid = 0;
    let firstError: MetricError | undefined;
    for (const spec of specs) {
      try {
        const r = await this.computeMetric(spec, ns, selector, current, loadPods, now);
        statuses.push(r.status);
        if (replicas === 0 || r.replicas > replicas) {
          replicas = r.replicas;
          metric = r.name;
        }
      } catch (e) {
        const me = e instanceof MetricError ? e : new MetricError('FailedGetResourceMetric', errText(e));
        this.recorder.event(hpa, 'Warning', me.reason, me.message);
        statuses.push({ type: spec.type } as MetricStatus);
        if (!firstError) firstError = me;
        invalid++;
      }
    }
    const visible = statuses.filter((s) => s.resource || s.containerResource || s.pods || s.object || s.external);
    if (firstError && (invalid >= specs.length || replicas < (scale.spec?.replicas ?? 0))) {
      setCondition(conditions, 'ScalingActive', 'False', firstError.reason, `the HPA was unable to compute the replica count: ${firstError.message}`, now);
      return { replicas: -1, metric: '', statuses: visible, error: `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError.message}` };
    }
    setCondition(conditions, 'ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metric}`, now);
    return { replicas, metric, statuses: visible };
  }

  private async computeMetric(spec: MetricSpec, ns: string, selector: string, current: number, loadPods: () => Promise<Pod[]>, now: Date): Promise<MetricResult> {
    const isContainer = spec.type === 'ContainerResource';
    if (spec.type !== 'Resource' && !isContainer) {
      const name = spec.pods?.metric.name ?? spec.object?.metric.name ?? spec.external?.metric.name ?? '';
      const api = spec.type === 'External' ? 'external metrics API (external.metrics.k8s.io)' : 'custom metrics API (custom.metrics.k8s.io)';
      throw new MetricError(`FailedGet${spec.type}Metric`, `unable to get metric ${name}: no ${api} registered`);
    }
    const src = isContainer ? spec.containerResource : spec.resource;
    const resource = src?.name ?? '';
    const container = isContainer ? spec.containerResource?.container : undefined;
    const target: MetricTarget | undefined = src?.target;
    const reason = isContainer ? 'FailedGetContainerResourceMetric' : 'FailedGetResourceMetric';
    const wrapStatus = (current: MetricValueStatus): MetricStatus =>
      isContainer
        ? { type: 'ContainerResource', containerResource: { name: resource, container: container ?? '', current } }
        : { type: 'Resource', resource: { name: resource, current } };
    const fetch = async () => {
      const pods = await loadPods();
      let metrics;
      try {
        metrics = await resourceMetrics(this.d.client, ns, selector, resource, container);
      } catch (e) {
        throw new Error(`unable to get metrics for resource ${resource}: ${errText(e)}`);
      }
      return { pods, metrics };
    };
    if (target?.averageValue !== undefined) {
      try {
        const { pods, metrics } = await fetch();
        const targetMilli = Quantity.must(String(target.averageValue)).milliValue();
        const p = rawResourceReplicas({ currentReplicas: current, targetAverage: targetMilli, resource, pods, metrics, opts: this.calcOptions(now) });
        return { replicas: p.replicas, name: `${resource} resource`, status: wrapStatus({ averageValue: milliQuantity(p.rawAverage) }) };
      } catch (e) {
        throw new MetricError(reason, `failed to get ${resource} usage: ${errText(e)}`);
      }
    }
    if (target?.averageUtilization === undefined) {
      throw new MetricError(reason, 'invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
    }
    try {
      const { pods, metrics } = await fetch();
      const p = resourceReplicas({ currentReplicas: current, targetUtilization: target.averageUtilization, resource, container, pods, metrics, opts: this.calcOptions(now) });
      const name = isContainer ? `${resource} container resource utilization (percentage of request)` : `${resource} resource utilization (percentage of request)`;
      return { replicas: p.replicas, name, status: wrapStatus({ averageUtilization: p.utilization, averageValue: milliQuantity(p.rawAverage) }) };
    } catch (e) {
      throw new MetricError(reason, `failed to get ${resource} utilization: ${errText(e)}`);
    }
  }

  private statusFor(hpa: Hpa, current: number, desired: number, statuses: MetricStatus[], conditions: HpaCondition[], rescaled: boolean, now: Date): NonNullable<Hpa['status']> {
    const status: NonNullable<Hpa['status']> = { currentReplicas: current, desiredReplicas: desired };
    const last = rescaled ? now.toISOString().replace(/\.\d{3}Z$/, 'Z') : hpa.status?.lastScaleTime;
    if (last) status.lastScaleTime = last;
    if (statuses.length > 0) status.currentMetrics = statuses;
    status.conditions = conditions;
    // A v1 object shows its CPU utilization in its own field.
    if (isV1Shape(hpa)) {
      const cpu = statuses.find((s) => s.type === 'Resource' && s.resource?.name === 'cpu')?.resource?.current.averageUtilization;
      if (cpu !== undefined) status.currentCPUUtilizationPercentage = cpu;
    }
    return status;
  }

  private async writeStatus(hpa: Hpa, status: NonNullable<Hpa['status']>): Promise<void> {
    if (jsonEqual(hpa.status ?? {}, status)) return;
    await this.d.client.update<Hpa>(hpaRef, hpa.metadata?.namespace, { ...hpa, status }, { subresource: 'status' });
  }
}

/** resource.NewMilliQuantity(v, DecimalSI).String() */
export function milliQuantity(milli: number): string {
  return Quantity.must(`${Math.trunc(milli)}m`).toString();
}
