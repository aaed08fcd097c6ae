// Custom resources against their openAPIV3Schema: defaults, type checks and structural pruning (fields the
// schema does not declare are dropped unless x-kubernetes-preserve-unknown-fields). A small recursive checker:
// CRD schemas are structural, so each node has one type and named properties.
import { field, type FieldError } from '../../api/errors.js';
import { isPlainObject, type ObjectMeta } from '../../api/object.js';
import { parseApiVersion } from '../../api/resource.js';
import { objectMetaDecodeError } from '../../api/schema/index.js';
import { validateObjectMeta } from '../../api/validation/index.js';
import { nameIsDNSSubdomain } from '../../api/validation/names.js';

export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  nullable?: boolean;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
}

export interface SchemaResult {
  /** Paths of the fields pruned, for fieldValidation. */
  unknown: string[];
  errors: FieldError[];
}

const typeName = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v;

function typeOk(t: string, v: unknown, s: Schema): boolean {
  if (s['x-kubernetes-int-or-string']) return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
  switch (t) {
    case 'object':
      return isPlainObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

/**
 * Checks, defaults and prunes the object in place (apiVersion, kind and metadata at the root are left alone
 * by the schema). Metadata gets the decoder's type check (throws the 400) and the ObjectMeta rules every type
 * shares (labels, annotations and their size, finalizers...); the name rule is the caller's.
 */
export function checkCustomResource(schema: Schema | undefined, obj: Record<string, unknown>): SchemaResult {
  const res: SchemaResult = { unknown: [], errors: [] };
  const kind = String(obj['kind'] ?? '');
  const decodeError = objectMetaDecodeError(kind, parseApiVersion(String(obj['apiVersion'] ?? '')).version, obj['metadata']);
  if (decodeError) throw decodeError;
  if (schema) walk(schema, obj, '', res, true);
  const meta = obj['metadata'] as ObjectMeta | undefined;
  // The write path has already set the namespace of namespaced objects and dropped it from cluster ones.
  const metaErrors = validateObjectMeta(meta, { namespaced: !!meta?.namespace, nameFn: nameIsDNSSubdomain, builtin: false });
  res.errors.push(...metaErrors.filter((e) => e.field !== 'metadata.name'));
  return res;
}

function walk(s: Schema, v: unknown, path: string, res: SchemaResult, root = false): void {
  if (v === null) {
    if (!s.nullable && s.type) res.errors.push(field.invalid(path, 'null', `${path} in body must be of type ${s.type}: "null"`));
    return;
  }
  if (s.type && !typeOk(s.type, v, s)) {
    const t = typeName(v);
    res.errors.push(field.invalid(path, t, `${path} in body must be of type ${s.type}: "${t}"`));
    return;
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    res.errors.push(field.notSupported(path, v, s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))));
  }
  if (typeof v === 'string') {
    if (s.maxLength !== undefined && v.length > s.maxLength) res.errors.push(field.tooLong(path, s.maxLength));
    if (s.minLength !== undefined && v.length < s.minLength) res.errors.push(field.invalid(path, v, `${path} in body should be at least ${s.minLength} chars long`));
    if (s.pattern && !new RegExp(s.pattern).test(v)) res.errors.push(field.invalid(path, v, `${path} in body should match '${s.pattern}'`));
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) res.errors.push(field.invalid(path, v, `${path} in body should be greater than or equal to ${s.minimum}`));
    if (s.maximum !== undefined && v > s.maximum) res.errors.push(field.invalid(path, v, `${path} in body should be less than or equal to ${s.maximum}`));
  }
  if (Array.isArray(v) && s.items) {
    v.forEach((item, i) => walk(s.items!, item, `${path}[${i}]`, res));
    return;
  }
  if (!isPlainObject(v)) return;
  const props = s.properties ?? {};
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  // Defaults first, so required checks see them.
  for (const [k, ps] of Object.entries(props)) {
    if (v[k] === undefined && ps.default !== undefined) v[k] = structuredClone(ps.default);
  }
  for (const k of s.required ?? []) {
    if (v[k] === undefined) res.errors.push(field.required(join(path, k)));
  }
  for (const k of Object.keys(v)) {
    if ((root || embedded) && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
    const ps = props[k];
    const p = join(path, k);
    if (ps) walk(ps, v[k], p, res);
    else if (isPlainObject(s.additionalProperties)) walk(s.additionalProperties, v[k], p, res);
    else if (s.additionalProperties === true || preserve) continue;
    else {
      res.unknown.push(p);
      delete v[k];
    }
  }
}

const join = (path: string, k: string) => (path ? `${path}.${k}` : k);
