// Compute resources (requests/limits) and resource names, as core validation checks them.
import { field, type FieldError } from '../errors.js';
import { Quantity, QUANTITY_REGEX_MSG } from '../quantity.js';
import { rec } from './access.js';
import { isQualifiedName } from './names.js';

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** A quantity field: the parsed value, or an error when the text is not a quantity. */
export function quantityAt(v: unknown, path: string, errs: FieldError[]): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') {
    errs.push(field.invalid(path, v ?? null, QUANTITY_REGEX_MSG));
    return undefined;
  }
  const q = Quantity.parse(v);
  if (!q) errs.push(field.invalid(path, v, QUANTITY_REGEX_MSG));
  return q;
}

export function validateNonnegativeQuantity(q: Quantity, path: string): FieldError[] {
  return q.sign() < 0 ? [field.invalid(path, q.toString(), 'must be greater than or equal to 0')] : [];
}

function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const m of isQualifiedName(name)) errs.push(field.invalid(path, name, m));
  if (errs.length > 0) return errs;
  if (!name.includes('/')) {
    if (!standardContainerResources.has(name) && !name.startsWith('hugepages-'))
      errs.push(field.invalid(path, name, 'must be a standard resource for containers'));
  } else if (name.startsWith('requests.')) {
    errs.push(field.invalid(path, name, "must not begin with 'requests.'"));
  }
  return errs;
}

const overcommitAllowed = (name: string) => !name.includes('/') && !name.startsWith('hugepages-');

/** ValidateResourceRequirements for a container (or a pod's spec.resources). */
export function validateResourceRequirements(res: unknown, path: string): FieldError[] {
  const r = rec(res);
  if (!r) return [];
  const errs: FieldError[] = [];
  const limits = new Map<string, Quantity>();
  for (const [name, v] of Object.entries(rec(r.limits) ?? {})) {
    const p = `${path}.limits[${name}]`;
    errs.push(...validateContainerResourceName(name, p));
    const q = quantityAt(v, p, errs);
    if (!q) continue;
    errs.push(...validateNonnegativeQuantity(q, p));
    if (name.startsWith('hugepages-') || name.includes('/')) {
      if (!q.isInteger()) errs.push(field.invalid(p, q, 'must be an integer'));
    }
    limits.set(name, q);
  }
  for (const [name, v] of Object.entries(rec(r.requests) ?? {})) {
    const p = `${path}.requests[${name}]`;
    errs.push(...validateContainerResourceName(name, p));
    const q = quantityAt(v, p, errs);
    if (!q) continue;
    errs.push(...validateNonnegativeQuantity(q, p));
    const lim = limits.get(name);
    if (lim) {
      if (q.cmp(lim) !== 0 && !overcommitAllowed(name))
        errs.push(field.invalid(`${path}.requests`, q.toString(), `must be equal to ${name} limit of ${lim.toString()}`));
      else if (q.cmp(lim) > 0)
        errs.push(field.invalid(`${path}.requests`, q.toString(), `must be less than or equal to ${name} limit of ${lim.toString()}`));
    } else if (!overcommitAllowed(name)) {
      errs.push(field.required(`${path}.limits`, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}
