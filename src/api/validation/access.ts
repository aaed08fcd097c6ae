// Narrow readers for loosely typed objects, plus a few shared checks every validator uses.
import { field, type FieldError } from '../errors.js';
import { isPlainObject } from '../object.js';

export type Obj = Record<string, unknown>;

export const rec = (v: unknown): Obj | undefined => (isPlainObject(v) ? v : undefined);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
export const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const strMap = (v: unknown): Record<string, string> => (isPlainObject(v) ? (v as Record<string, string>) : {});

/** A Go literal printed verbatim in an error value (e.g. `map[string]string(nil)`). */
export class GoLiteral {
  constructor(private readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** A label map as Go's %#v prints it, including the nil map. */
export const goStringMap = (v: unknown): unknown => (isPlainObject(v) ? v : new GoLiteral('map[string]string(nil)'));

export const NEGATIVE_MSG = 'must be greater than or equal to 0';
export const IMMUTABLE_MSG = 'field is immutable';

export function nonNegative(v: unknown, path: string): FieldError[] {
  return typeof v === 'number' && v < 0 ? [field.invalid(path, v, NEGATIVE_MSG)] : [];
}

export function positive(v: unknown, path: string): FieldError[] {
  return typeof v === 'number' && v <= 0 ? [field.invalid(path, v, 'must be greater than 0')] : [];
}

/** Deep equality of JSON values; absent and null count as equal, as Go's zero values do. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null || b == null) return isEmptyish(a) && isEmptyish(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

const isEmptyish = (v: unknown) =>
  v == null || v === '' || (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0);

/** ValidateImmutableField: "field is immutable" with the new value. */
export function immutable(newVal: unknown, oldVal: unknown, path: string): FieldError[] {
  return deepEqual(newVal, oldVal) ? [] : [field.invalid(path, newVal ?? null, IMMUTABLE_MSG)];
}

export function enumValue(v: unknown, path: string, supported: string[], required = true): FieldError[] {
  if (v === undefined || v === '') return required ? [field.required(path, '')] : [];
  return typeof v === 'string' && supported.includes(v) ? [] : [field.notSupported(path, v, supported)];
}

/** Each message from a format check becomes one Invalid error at path. */
export function eachInvalid(path: string, value: unknown, msgs: string[]): FieldError[] {
  return msgs.map((m) => field.invalid(path, value, m));
}

/** A LabelSelector as Go's %#v prints the dereferenced struct (immutable-selector errors show it). */
export function goLabelSelector(sel: unknown): GoLiteral {
  const s = isPlainObject(sel) ? sel : {};
  const ml = isPlainObject(s.matchLabels)
    ? `map[string]string{${Object.entries(s.matchLabels as Record<string, string>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
        .join(', ')}}`
    : 'map[string]string(nil)';
  const exprs = Array.isArray(s.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${s.matchExpressions
        .map((e) => {
          const r = isPlainObject(e) ? e : {};
          const values = Array.isArray(r.values) ? `[]string{${r.values.map((v) => JSON.stringify(String(v))).join(', ')}}` : '[]string(nil)';
          return `v1.LabelSelectorRequirement{Key:${JSON.stringify(String(r.key ?? ''))}, Operator:${JSON.stringify(String(r.operator ?? ''))}, Values:${values}}`;
        })
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return new GoLiteral(`v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${exprs}}`);
}

/** An IntOrString prints through its String() method: 25% or 1, unquoted. */
export const goIntOrString = (v: unknown): GoLiteral => new GoLiteral(String(v ?? 0));
