// HorizontalPodAutoscaler between autoscaling/v2 (the stored version) and autoscaling/v1, as Kubernetes converts
// them: v1 carries only the CPU utilization target and current value in fields of its own; everything else v2
// knows rides in annotations, so a v1 client that reads, edits and writes back loses nothing:
//   autoscaling.alpha.kubernetes.io/metrics          spec metrics other than the CPU utilization one
//   autoscaling.alpha.kubernetes.io/current-metrics  status.currentMetrics (all of them, the raw values too)
//   autoscaling.alpha.kubernetes.io/conditions       status.conditions
//   autoscaling.alpha.kubernetes.io/behavior         spec.behavior
// The metric lists use v1's own MetricSpec/MetricStatus shapes (targetAverageUtilization, metricName, ...), the
// v2beta1 layout Kubernetes keeps in autoscaling/v1 for exactly this purpose; the other two are v2 JSON.
// Pure functions on plain JSON: the input is never changed.
import type { KubeObject } from '../object.js';

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ANNOTATIONS = [METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

/** What v1 implies when it names no target (the v1 controller's old implicit default). */
export const DEFAULT_CPU_UTILIZATION = 80;

type Rec = Record<string, unknown>;

const rec = (v: unknown): Rec | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : undefined);
const recs = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec).filter((x): x is Rec => x !== undefined) : []);
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** Copies the keys whose values are defined. */
function pick(src: Rec, pairs: [from: string, to: string][], out: Rec = {}): Rec {
  for (const [from, to] of pairs) if (src[from] !== undefined) out[to] = clone(src[from]);
  return out;
}

function isCpuUtilizationSpec(m: Rec): boolean {
  const r = rec(m.resource);
  return m.type === 'Resource' && r?.name === 'cpu' && rec(r.target)?.type === 'Utilization' && typeof rec(r.target)?.averageUtilization === 'number';
}

// ---- metric specs: v2 <-> v1 annotation shape ----

/** A v2 metric target as v1 names its fields for the given source. */
function targetToV1(t: Rec | undefined, names: { value?: string; average?: string; utilization?: string }, out: Rec): void {
  if (!t) return;
  if (names.utilization && t.averageUtilization !== undefined) out[names.utilization] = t.averageUtilization;
  if (names.average && t.averageValue !== undefined) out[names.average] = t.averageValue;
  if (names.value && t.value !== undefined) out[names.value] = t.value;
}

export function metricSpecToV1(m: Rec): Rec {
  const out: Rec = { type: m.type };
  const resource = (src: Rec): Rec => {
    const r = pick(src, [['name', 'name'], ['container', 'container']]);
    targetToV1(rec(src.target), { utilization: 'targetAverageUtilization', average: 'targetAverageValue' }, r);
    return r;
  };
  const metricOf = (src: Rec) => rec(src.metric) ?? {};
  switch (m.type) {
    case 'Resource':
      out.resource = resource(rec(m.resource) ?? {});
      break;
    case 'ContainerResource':
      out.containerResource = resource(rec(m.containerResource) ?? {});
      break;
    case 'Pods': {
      const s = rec(m.pods) ?? {};
      const p = pick(metricOf(s), [['name', 'metricName'], ['selector', 'selector']]);
      targetToV1(rec(s.target), { average: 'targetAverageValue' }, p);
      out.pods = p;
      break;
    }
    case 'Object': {
      const s = rec(m.object) ?? {};
      const o = pick(s, [['describedObject', 'target']]);
      pick(metricOf(s), [['name', 'metricName'], ['selector', 'selector']], o);
      targetToV1(rec(s.target), { value: 'targetValue', average: 'averageValue' }, o);
      out.object = o;
      break;
    }
    case 'External': {
      const s = rec(m.external) ?? {};
      const e = pick(metricOf(s), [['name', 'metricName'], ['selector', 'metricSelector']]);
      targetToV1(rec(s.target), { value: 'targetValue', average: 'targetAverageValue' }, e);
      out.external = e;
      break;
    }
    default:
      return clone(m);
  }
  return out;
}

/** v2's target type follows from which v1 field is set. */
function targetFromV1(src: Rec, names: { value?: string; average?: string; utilization?: string }): Rec {
  if (names.utilization && src[names.utilization] !== undefined) return { type: 'Utilization', averageUtilization: src[names.utilization] };
  if (names.average && src[names.average] !== undefined) return { type: 'AverageValue', averageValue: src[names.average] };
  if (names.value && src[names.value] !== undefined) return { type: 'Value', value: src[names.value] };
  return {};
}

export function metricSpecFromV1(m: Rec): Rec {
  const out: Rec = { type: m.type };
  const resource = (src: Rec): Rec => ({
    ...pick(src, [['name', 'name'], ['container', 'container']]),
    target: targetFromV1(src, { utilization: 'targetAverageUtilization', average: 'targetAverageValue' }),
  });
  const metric = (src: Rec, selector: string): Rec => pick(src, [['metricName', 'name'], [selector, 'selector']]);
  switch (m.type) {
    case 'Resource':
      out.resource = resource(rec(m.resource) ?? {});
      break;
    case 'ContainerResource':
      out.containerResource = resource(rec(m.containerResource) ?? {});
      break;
    case 'Pods': {
      const s = rec(m.pods) ?? {};
      out.pods = { metric: metric(s, 'selector'), target: targetFromV1(s, { average: 'targetAverageValue' }) };
      break;
    }
    case 'Object': {
      const s = rec(m.object) ?? {};
      out.object = { ...pick(s, [['target', 'describedObject']]), metric: metric(s, 'selector'), target: targetFromV1(s, { value: 'targetValue', average: 'averageValue' }) };
      break;
    }
    case 'External': {
      const s = rec(m.external) ?? {};
      out.external = { metric: metric(s, 'metricSelector'), target: targetFromV1(s, { value: 'targetValue', average: 'targetAverageValue' }) };
      break;
    }
    default:
      return clone(m);
  }
  return out;
}

// ---- metric statuses ----

export function metricStatusToV1(m: Rec): Rec {
  const out: Rec = { type: m.type };
  const current = (src: Rec, names: [from: string, to: string][], into: Rec) => pick(rec(src.current) ?? {}, names, into);
  const metricOf = (src: Rec) => rec(src.metric) ?? {};
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource': {
      const key = m.type === 'Resource' ? 'resource' : 'containerResource';
      const s = rec(m[key]) ?? {};
      out[key] = current(s, [['averageUtilization', 'currentAverageUtilization'], ['averageValue', 'currentAverageValue']], pick(s, [['name', 'name'], ['container', 'container']]));
      break;
    }
    case 'Pods': {
      const s = rec(m.pods) ?? {};
      out.pods = current(s, [['averageValue', 'currentAverageValue']], pick(metricOf(s), [['name', 'metricName'], ['selector', 'selector']]));
      break;
    }
    case 'Object': {
      const s = rec(m.object) ?? {};
      const o = pick(s, [['describedObject', 'target']]);
      pick(metricOf(s), [['name', 'metricName'], ['selector', 'selector']], o);
      out.object = current(s, [['value', 'currentValue'], ['averageValue', 'averageValue']], o);
      break;
    }
    case 'External': {
      const s = rec(m.external) ?? {};
      out.external = current(s, [['value', 'currentValue'], ['averageValue', 'currentAverageValue']], pick(metricOf(s), [['name', 'metricName'], ['selector', 'metricSelector']]));
      break;
    }
    default:
      return clone(m);
  }
  return out;
}

export function metricStatusFromV1(m: Rec): Rec {
  const out: Rec = { type: m.type };
  const current = (src: Rec, names: [from: string, to: string][]) => pick(src, names);
  const metric = (src: Rec, selector: string): Rec => pick(src, [['metricName', 'name'], [selector, 'selector']]);
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource': {
      const key = m.type === 'Resource' ? 'resource' : 'containerResource';
      const s = rec(m[key]) ?? {};
      out[key] = { ...pick(s, [['name', 'name'], ['container', 'container']]), current: current(s, [['currentAverageUtilization', 'averageUtilization'], ['currentAverageValue', 'averageValue']]) };
      break;
    }
    case 'Pods': {
      const s = rec(m.pods) ?? {};
      out.pods = { metric: metric(s, 'selector'), current: current(s, [['currentAverageValue', 'averageValue']]) };
      break;
    }
    case 'Object': {
      const s = rec(m.object) ?? {};
      out.object = { ...pick(s, [['target', 'describedObject']]), metric: metric(s, 'selector'), current: current(s, [['currentValue', 'value'], ['averageValue', 'averageValue']]) };
      break;
    }
    case 'External': {
      const s = rec(m.external) ?? {};
      out.external = { metric: metric(s, 'metricSelector'), current: current(s, [['currentValue', 'value'], ['currentAverageValue', 'averageValue']]) };
      break;
    }
    default:
      return clone(m);
  }
  return out;
}

// ---- whole objects ----

/** autoscaling/v2 -> autoscaling/v1. */
export function hpaV2ToV1(obj: KubeObject): KubeObject {
  const src = obj as KubeObject & { spec?: Rec; status?: Rec };
  const spec = src.spec ?? {};
  const status = src.status;
  const annotations: Record<string, string> = { ...(obj.metadata?.annotations ?? {}) };
  for (const a of ANNOTATIONS) delete annotations[a];

  const metrics = recs(spec.metrics);
  const cpu = metrics.find(isCpuUtilizationSpec);
  const others = metrics.filter((m) => m !== cpu);
  const v1Spec = pick(spec, [['scaleTargetRef', 'scaleTargetRef'], ['minReplicas', 'minReplicas'], ['maxReplicas', 'maxReplicas']]);
  if (cpu) v1Spec.targetCPUUtilizationPercentage = rec(rec(cpu.resource)?.target)?.averageUtilization;
  if (others.length) annotations[METRICS_ANNOTATION] = JSON.stringify(others.map(metricSpecToV1));
  if (spec.behavior !== undefined) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);

  const { metadata: _m, spec: _s, status: _st, apiVersion: _a, ...rest } = src;
  const out: KubeObject & Rec = { ...clone(rest), apiVersion: 'autoscaling/v1', metadata: { ...clone(obj.metadata) } };
  out.spec = v1Spec;
  if (status) {
    const v1Status = pick(status, [['observedGeneration', 'observedGeneration'], ['lastScaleTime', 'lastScaleTime'], ['currentReplicas', 'currentReplicas'], ['desiredReplicas', 'desiredReplicas']]);
    const current = recs(status.currentMetrics);
    // The raw values are kept even when the CPU one maps onto currentCPUUtilizationPercentage.
    for (const m of current) {
      const r = rec(m.resource);
      const u = rec(r?.current)?.averageUtilization;
      if (m.type === 'Resource' && r?.name === 'cpu' && typeof u === 'number') v1Status.currentCPUUtilizationPercentage = u;
    }
    if (current.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(current.map(metricStatusToV1));
    const conditions = recs(status.conditions);
    if (conditions.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(conditions);
    out.status = v1Status;
  }
  if (Object.keys(annotations).length) out.metadata = { ...out.metadata, annotations };
  else if (out.metadata) delete out.metadata.annotations;
  return out;
}

function parseList(text: string | undefined): Rec[] {
  if (text === undefined) return [];
  try {
    return recs(JSON.parse(text));
  } catch {
    return [];
  }
}

/** autoscaling/v1 -> autoscaling/v2 (the annotations v2 fields rode in are taken back out). */
export function hpaV1ToV2(obj: KubeObject): KubeObject {
  const src = obj as KubeObject & { spec?: Rec; status?: Rec };
  const spec = src.spec ?? {};
  const status = src.status;
  const annotations: Record<string, string> = { ...(obj.metadata?.annotations ?? {}) };
  const take = (k: string) => {
    const v = annotations[k];
    delete annotations[k];
    return v;
  };
  const otherMetrics = parseList(take(METRICS_ANNOTATION)).map(metricSpecFromV1);
  const currentMetrics = parseList(take(CURRENT_METRICS_ANNOTATION)).map(metricStatusFromV1);
  const conditions = parseList(take(CONDITIONS_ANNOTATION));
  const behaviorText = take(BEHAVIOR_ANNOTATION);
  let behavior: Rec | undefined;
  try {
    behavior = behaviorText === undefined ? undefined : rec(JSON.parse(behaviorText));
  } catch {
    behavior = undefined;
  }

  const v2Spec = pick(spec, [['scaleTargetRef', 'scaleTargetRef'], ['minReplicas', 'minReplicas'], ['maxReplicas', 'maxReplicas']]);
  const metrics: Rec[] = [];
  if (typeof spec.targetCPUUtilizationPercentage === 'number') {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  metrics.push(...otherMetrics);
  // v1 with no target at all meant the controller's implicit 80% CPU; v2 spells it out.
  if (metrics.length === 0) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } });
  v2Spec.metrics = metrics;
  if (behavior) v2Spec.behavior = behavior;

  const { metadata: _m, spec: _s, status: _st, apiVersion: _a, ...rest } = src;
  const out: KubeObject & Rec = { ...clone(rest), apiVersion: 'autoscaling/v2', metadata: { ...clone(obj.metadata) } };
  out.spec = v2Spec;
  if (status) {
    const v2Status = pick(status, [['observedGeneration', 'observedGeneration'], ['lastScaleTime', 'lastScaleTime'], ['currentReplicas', 'currentReplicas'], ['desiredReplicas', 'desiredReplicas']]);
    if (currentMetrics.length) v2Status.currentMetrics = currentMetrics;
    else if (typeof status.currentCPUUtilizationPercentage === 'number') {
      v2Status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
    }
    if (conditions.length) v2Status.conditions = conditions;
    out.status = v2Status;
  }
  if (Object.keys(annotations).length) out.metadata = { ...out.metadata, annotations };
  else if (out.metadata) delete out.metadata.annotations;
  return out;
}
