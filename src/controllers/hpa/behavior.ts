// Turning a raw proposal into the next replica count (pkg/controller/podautoscaler/horizontal.go): the
// stabilization window over recent recommendations, then the rate limits. Without spec.behavior: a 5-minute
// downscale window and a scale-up limit of max(2x, 4). With it: per-direction windows and Pods/Percent policies
// over recent scale events, combined by selectPolicy (Max, Min, Disabled). State (recommendations, scale events)
// is the caller's, passed in, so these stay plain functions.
import type { HPAScalingRules } from 'kubernetes-types/autoscaling/v2.js';

export interface Recommendation {
  replicas: number;
  tsMs: number;
}

export interface ScaleEvent {
  change: number;
  tsMs: number;
  outdated: boolean;
}

/** --horizontal-pod-autoscaler-downscale-stabilization */
export const DOWNSCALE_STABILIZATION_MS = 5 * 60_000;

export interface Limited {
  replicas: number;
  reason: string;
  message: string;
}

/** Without behavior: the highest recommendation within the downscale window; records this one. */
export function stabilizeDefault(recs: Recommendation[], desired: number, now: number, windowMs = DOWNSCALE_STABILIZATION_MS): number {
  let max = desired;
  let old = -1;
  const cutoff = now - windowMs;
  recs.forEach((r, i) => {
    if (r.tsMs < cutoff) old = i;
    else if (r.replicas > max) max = r.replicas;
  });
  record(recs, old, { replicas: desired, tsMs: now });
  return max;
}

function record(recs: Recommendation[], oldIndex: number, r: Recommendation): void {
  if (oldIndex >= 0) recs[oldIndex] = r;
  else recs.push(r);
}

/** With behavior: within [min of the up window, max of the down window], starting from the current count. */
export function stabilizeWithBehavior(
  recs: Recommendation[],
  a: { current: number; desired: number; upWindowSeconds: number; downWindowSeconds: number },
  now: number,
): Limited {
  let up = a.desired;
  let down = a.desired;
  const upCutoff = now - a.upWindowSeconds * 1000;
  const downCutoff = now - a.downWindowSeconds * 1000;
  let old = -1;
  recs.forEach((r, i) => {
    if (r.tsMs > upCutoff) up = Math.min(r.replicas, up);
    if (r.tsMs > downCutoff) down = Math.max(r.replicas, down);
    if (r.tsMs < upCutoff && r.tsMs < downCutoff) old = i;
  });
  let replicas = a.current;
  if (replicas < up) replicas = up;
  if (replicas > down) replicas = down;
  record(recs, old, { replicas: a.desired, tsMs: now });
  return a.desired >= a.current
    ? { replicas, reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
    : { replicas, reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
}

const WITHIN: Omit<Limited, 'replicas'> = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };

/** Without behavior: min/max replicas and the scale-up limit of max(2 * current, 4). */
export function limitDefault(current: number, desired: number, min: number, max: number): Limited {
  const scaleUpLimit = Math.max(2 * current, 4);
  let allowedMax: number;
  let limiting: Omit<Limited, 'replicas'>;
  if (max > scaleUpLimit) {
    allowedMax = scaleUpLimit;
    limiting = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
  } else {
    allowedMax = max;
    limiting = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
  }
  if (desired < min) return { replicas: min, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
  if (desired > allowedMax) return { replicas: allowedMax, ...limiting };
  return { replicas: desired, ...WITHIN };
}

/** Replicas added (or removed) by the events within the last periodSeconds. */
export function changeInPeriod(periodSeconds: number, events: ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  return events.reduce((s, e) => (e.tsMs > cutoff && !e.outdated ? s + e.change : s), 0);
}

export function scaleUpLimit(current: number, upEvents: ScaleEvent[], downEvents: ScaleEvent[], rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pickMin = rules.selectPolicy === 'Min';
  let result = pickMin ? Infinity : -Infinity;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(p.periodSeconds, upEvents, now) + changeInPeriod(p.periodSeconds, downEvents, now);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pickMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

export function scaleDownLimit(current: number, upEvents: ScaleEvent[], downEvents: ScaleEvent[], rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pickMin = rules.selectPolicy === 'Min';
  let result = pickMin ? -Infinity : Infinity;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(p.periodSeconds, upEvents, now) + changeInPeriod(p.periodSeconds, downEvents, now);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pickMin ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** With behavior: min/max replicas and the policies' rate limits. */
export function limitWithBehavior(
  a: { current: number; desired: number; min: number; max: number; scaleUp: HPAScalingRules; scaleDown: HPAScalingRules },
  upEvents: ScaleEvent[],
  downEvents: ScaleEvent[],
  now: number,
): Limited {
  if (a.desired > a.current) {
    const limit = Math.max(scaleUpLimit(a.current, upEvents, downEvents, a.scaleUp, now), a.current);
    const [allowed, limiting] =
      a.max > limit
        ? [limit, { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' }]
        : [a.max, { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' }];
    if (a.desired > allowed) return { replicas: allowed, ...limiting };
  } else if (a.desired < a.current) {
    const limit = Math.min(scaleDownLimit(a.current, upEvents, downEvents, a.scaleDown, now), a.current);
    const [allowed, limiting] =
      a.min < limit
        ? [limit, { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' }]
        : [a.min, { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' }];
    if (a.desired < allowed) return { replicas: allowed, ...limiting };
  }
  return { replicas: a.desired, ...WITHIN };
}

/** Remembers a rescale; events older than the longest policy period are reused (storeScaleEvent). */
export function storeScaleEvent(events: ScaleEvent[], change: number, longestPeriodSeconds: number, now: number): void {
  const cutoff = now - longestPeriodSeconds * 1000;
  let reuse = -1;
  events.forEach((e, i) => {
    if (e.tsMs < cutoff) e.outdated = true;
    if (e.outdated && reuse < 0) reuse = i;
  });
  const ev = { change, tsMs: now, outdated: false };
  if (reuse >= 0) events[reuse] = ev;
  else events.push(ev);
}

export function longestPeriod(rules: HPAScalingRules | undefined): number {
  return Math.max(0, ...(rules?.policies ?? []).map((p) => p.periodSeconds));
}
