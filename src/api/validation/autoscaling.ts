// autoscaling: HorizontalPodAutoscaler (v2 shape; v1's targetCPUUtilizationPercentage is checked too).
import { field, type FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { arr, eachInvalid, enumValue, num, rec, str, type Obj } from './access.js';
import { isValidPathSegmentName } from './names.js';
import { quantityAt } from './resources.js';

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const TARGET_TYPES = ['AverageValue', 'Utilization', 'Value'];

function validateTarget(t: unknown, p: string): FieldError[] {
  const target = rec(t);
  if (!target) return [field.required(p, '')];
  const errs: FieldError[] = [];
  if (!target.type) errs.push(field.required(`${p}.type`, 'must specify a metric target type'));
  else if (!TARGET_TYPES.includes(String(target.type))) errs.push(field.notSupported(`${p}.type`, target.type, TARGET_TYPES));
  const u = num(target.averageUtilization);
  if (u !== undefined && u < 1) errs.push(field.invalid(`${p}.averageUtilization`, u, 'must be greater than 0'));
  for (const k of ['value', 'averageValue']) {
    if (target[k] === undefined) continue;
    const q = quantityAt(target[k], `${p}.${k}`, errs);
    if (q && q.sign() <= 0) errs.push(field.invalid(`${p}.${k}`, q, 'must be positive'));
  }
  return errs;
}

function validateMetric(m: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = m.type;
  if (!type) return [field.required(`${p}.type`, 'must specify a metric source type')];
  if (!METRIC_TYPES.includes(String(type))) return [field.notSupported(`${p}.type`, type, METRIC_TYPES)];
  const key = String(type).charAt(0).toLowerCase() + String(type).slice(1);
  const src = rec(m[key]);
  if (!src) return [field.required(`${p}.${key}`, `must populate information for the given metric source`)];
  if (type === 'Resource' || type === 'ContainerResource') {
    if (!str(src.name)) errs.push(field.required(`${p}.${key}.name`, 'must specify a resource name'));
    if (type === 'ContainerResource' && !str(src.container)) errs.push(field.required(`${p}.${key}.container`, 'must specify a container'));
  } else {
    const metric = rec(src.metric);
    if (!metric || !str(metric.name)) errs.push(field.required(`${p}.${key}.metric.name`, 'must specify a metric name'));
  }
  errs.push(...validateTarget(src.target, `${p}.${key}.target`));
  return errs;
}

function validateScalingRules(r: unknown, p: string): FieldError[] {
  const rules = rec(r);
  if (!rules) return [];
  const errs: FieldError[] = [];
  const w = num(rules.stabilizationWindowSeconds);
  if (w !== undefined && (w < 0 || w > 3600)) errs.push(field.invalid(`${p}.stabilizationWindowSeconds`, w, 'must be less than or equal to 3600'));
  if (rules.selectPolicy !== undefined) errs.push(...enumValue(rules.selectPolicy, `${p}.selectPolicy`, ['Disabled', 'Max', 'Min']));
  const policies = arr(rules.policies);
  if (rules.policies !== undefined && policies.length === 0) errs.push(field.required(`${p}.policies`, 'must specify at least one Policy'));
  policies.forEach((x, i) => {
    const pol = rec(x) ?? {};
    const pp = `${p}.policies[${i}]`;
    errs.push(...enumValue(pol.type, `${pp}.type`, ['Percent', 'Pods']));
    const v = num(pol.value) ?? 0;
    if (v <= 0) errs.push(field.invalid(`${pp}.value`, v, 'must be greater than zero'));
    const period = num(pol.periodSeconds) ?? 0;
    if (period <= 0) errs.push(field.invalid(`${pp}.periodSeconds`, period, 'must be greater than zero'));
    else if (period > 1800) errs.push(field.invalid(`${pp}.periodSeconds`, period, 'must be less than or equal to 1800'));
  });
  return errs;
}

export function validateHorizontalPodAutoscaler(o: KubeObject): FieldError[] {
  const s = rec(o.spec) ?? {};
  const errs: FieldError[] = [];
  const min = num(s.minReplicas);
  const max = num(s.maxReplicas) ?? 0;
  if (min !== undefined && min < 1) errs.push(field.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < 1) errs.push(field.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) errs.push(field.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  const ref = rec(s.scaleTargetRef) ?? {};
  for (const k of ['kind', 'name'] as const) {
    const v = str(ref[k]) ?? '';
    if (!v) errs.push(field.required(`spec.scaleTargetRef.${k}`, ''));
    else errs.push(...eachInvalid(`spec.scaleTargetRef.${k}`, v, isValidPathSegmentName(v)));
  }
  arr(s.metrics).forEach((m, i) => errs.push(...validateMetric(rec(m) ?? {}, `spec.metrics[${i}]`)));
  const cpu = num(s.targetCPUUtilizationPercentage);
  if (cpu !== undefined && cpu < 1) errs.push(field.invalid('spec.targetCPUUtilizationPercentage', cpu, 'must be greater than 0'));
  const behavior = rec(s.behavior);
  if (behavior) {
    errs.push(...validateScalingRules(behavior.scaleUp, 'spec.behavior.scaleUp'));
    errs.push(...validateScalingRules(behavior.scaleDown, 'spec.behavior.scaleDown'));
  }
  return errs;
}
