// Label selectors: validation (meta/v1/validation) and matching, for the workload checks that compare a
// selector with a pod template's labels.
import { field, type FieldError } from '../errors.js';
import { labelSelectorMatches, type LabelSelector } from '../selectors.js';
import { arr, rec, str, strMap } from './access.js';
import { isQualifiedName, isValidLabelValue } from './names.js';
import { validateLabels } from './meta.js';

export function validateLabelSelector(sel: unknown, path: string): FieldError[] {
  const s = rec(sel);
  if (!s) return [];
  const errs = validateLabels(s.matchLabels, `${path}.matchLabels`);
  arr(s.matchExpressions).forEach((e, i) => {
    const r = rec(e) ?? {};
    const p = `${path}.matchExpressions[${i}]`;
    const values = arr(r.values);
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(field.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(field.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(field.invalid(`${p}.operator`, r.operator ?? '', 'not a valid selector operator'));
    }
    const key = str(r.key) ?? '';
    for (const m of isQualifiedName(key)) errs.push(field.invalid(`${p}.key`, key, m));
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(String(v))) errs.push(field.invalid(`${p}.values[${j}]`, v, m));
    });
  });
  return errs;
}

/** True when the selector has no requirements (it would select everything). */
export function selectorIsEmpty(sel: unknown): boolean {
  const s = rec(sel);
  return !s || (Object.keys(strMap(s.matchLabels)).length === 0 && arr(s.matchExpressions).length === 0);
}

/** Matching for loosely typed input (the object being validated). */
export function selectorMatches(sel: unknown, labels: Record<string, string> | undefined): boolean {
  return labelSelectorMatches(sel as LabelSelector | undefined, labels);
}
