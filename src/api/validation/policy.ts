// policy/v1: PodDisruptionBudgets.
import { field, type FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { GoLiteral, goIntOrString, nonNegative, rec } from './access.js';
import { regexError } from './names.js';
import { validateLabelSelector } from './selector.js';

const percentMsg = regexError("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', '1%', '93%');

function intOrPercent(v: unknown, p: string): FieldError[] {
  if (typeof v === 'string') {
    if (!/^[0-9]+%$/.test(v)) return [field.invalid(p, goIntOrString(v), percentMsg)];
    return Number(v.slice(0, -1)) > 100 ? [field.invalid(p, goIntOrString(v), 'must not be greater than 100%')] : [];
  }
  return nonNegative(v, p);
}

export function validatePodDisruptionBudget(o: KubeObject): FieldError[] {
  const s = rec(o.spec) ?? {};
  const errs: FieldError[] = [];
  const hasMin = s.minAvailable !== undefined && s.minAvailable !== null;
  const hasMax = s.maxUnavailable !== undefined && s.maxUnavailable !== null;
  if (hasMin && hasMax) errs.push(field.invalid('spec', new GoLiteral('policy.PodDisruptionBudgetSpec{...}'), 'minAvailable and maxUnavailable cannot be both set'));
  if (hasMin) errs.push(...intOrPercent(s.minAvailable, 'spec.minAvailable'));
  if (hasMax) errs.push(...intOrPercent(s.maxUnavailable, 'spec.maxUnavailable'));
  errs.push(...validateLabelSelector(s.selector, 'spec.selector'));
  const pol = s.unhealthyPodEvictionPolicy;
  if (pol !== undefined && pol !== null && pol !== 'AlwaysAllow' && pol !== 'IfHealthyBudget')
    errs.push(field.notSupported('spec.unhealthyPodEvictionPolicy', pol, ['AlwaysAllow', 'IfHealthyBudget']));
  return errs;
}
