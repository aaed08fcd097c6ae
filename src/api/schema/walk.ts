// One walk over an object and its schema that finds what Kubernetes' decoder would complain about: fields the
// type does not have (strict decoding) and values of the wrong JSON type (Go's json.UnmarshalTypeError).
import { isPlainObject } from '../object.js';
import { parseQuantity, QUANTITY_REGEX_MSG } from '../quantity.js';
import { base64ErrorAt } from './base64.js';
import { refName, type Definitions } from './registry.js';
import type { Schema } from './types.js';

export interface TypeMismatch {
  /** Kubernetes field path with indices: spec.template.spec.containers[0].ports[0].containerPort */
  path: string;
  /** Go's error path: struct fields only, no indices (spec.template.spec.containers.ports.containerPort). */
  goPath: string;
  /** The Go struct holding the field (ContainerPort). */
  goStruct: string;
  /** The Go type expected (int32, string, []v1.Container, v1.PodTemplateSpec...). */
  goType: string;
  /** The OpenAPI type expected (integer, string, array, object, boolean). */
  expected: string;
  /** JSON kind found: string, number, bool, array, object; numbers that do not fit carry the literal. */
  got: string;
  value: unknown;
  /** A decoder message that is not Go's UnmarshalTypeError (quantities, base64 bytes). */
  message?: string;
}

export interface WalkResult {
  unknown: string[];
  mismatches: TypeMismatch[];
}

interface Ctx {
  defs: Definitions;
  out: WalkResult;
  /** Stop recording mismatches after this many (a fuzzed body may hold thousands). */
  limit: number;
}

interface Where {
  path: string;
  goPath: string;
  goStruct: string;
}

const jsonKind = (v: unknown): string =>
  Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'boolean' ? 'bool' : typeof v === 'object' ? 'object' : typeof v;

function resolve(ctx: Ctx, s: Schema): { schema: Schema; def?: string } {
  let def: string | undefined;
  let cur = s;
  for (let i = 0; cur.$ref && i < 8; i++) {
    def = refName(cur.$ref);
    cur = ctx.defs.schemas.get(def) ?? {};
  }
  return def ? { schema: cur, def } : { schema: cur };
}

/** Go type name as Go prints it for a schema (for "of type ..." in messages). */
function goTypeOf(ctx: Ctx, s: Schema): string {
  if (s.$ref) {
    const def = refName(s.$ref);
    return ctx.defs.goTypes.get(def) ?? def.slice(def.lastIndexOf('.') + 1);
  }
  switch (s.type) {
    case 'integer':
      return s.format === 'int64' ? 'int64' : 'int32';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    case 'array':
      return `[]${s.items ? goTypeOf(ctx, s.items) : 'interface {}'}`;
    case 'object':
      if (isPlainObject(s.additionalProperties)) return `map[string]${goTypeOf(ctx, s.additionalProperties)}`;
      return 'map[string]interface {}';
    default:
      return 'interface {}';
  }
}

function mismatch(ctx: Ctx, at: Where, s: Schema, expected: string, value: unknown, got = jsonKind(value), message?: string): void {
  if (ctx.out.mismatches.length >= ctx.limit) return;
  ctx.out.mismatches.push({ ...at, goType: goTypeOf(ctx, s), expected, got, value, ...(message ? { message } : {}) });
}

// Go []byte fields (base64 in JSON), as "<struct>.<field>": map values of Secret.data count too.
const BYTE_FIELDS = new Set([
  'Secret.data',
  'ConfigMap.binaryData',
  'CertificateSigningRequestSpec.request',
  'CertificateSigningRequestStatus.certificate',
  'WebhookClientConfig.caBundle',
  'APIServiceSpec.caBundle',
]);

/** resource.Quantity decodes itself: any JSON string or number that parses, with its own error text. */
function checkQuantity(ctx: Ctx, at: Where, s: Schema, value: unknown): void {
  if (typeof value === 'number' || (typeof value === 'string' && parseQuantity(value.trim()) !== undefined)) return;
  mismatch(ctx, at, s, 'string', value, jsonKind(value), QUANTITY_REGEX_MSG);
}

function walk(ctx: Ctx, schemaIn: Schema, value: unknown, at: Where): void {
  if (value === null || value === undefined) return;
  const { schema, def } = resolve(ctx, schemaIn);
  if (schema['x-kubernetes-preserve-unknown-fields'] && !schema.properties) {
    return;
  }
  if (schema['x-kubernetes-int-or-string'] || schema.format === 'int-or-string') {
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) {
      mismatch(ctx, at, { type: 'integer' }, 'integer', value, typeof value === 'number' ? `number ${value}` : jsonKind(value));
    }
    return;
  }
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'string':
      if (def?.endsWith('.Quantity')) return checkQuantity(ctx, at, schemaIn, value);
      if (typeof value !== 'string') return mismatch(ctx, at, schemaIn, 'string', value);
      if (BYTE_FIELDS.has(`${at.goStruct}.${at.goPath.slice(at.goPath.lastIndexOf('.') + 1)}`)) {
        const bad = base64ErrorAt(value);
        if (bad !== undefined) mismatch(ctx, at, schemaIn, 'string', value, 'string', `illegal base64 data at input byte ${bad}`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') mismatch(ctx, at, schemaIn, 'boolean', value);
      return;
    case 'integer': {
      if (typeof value !== 'number') return mismatch(ctx, at, schemaIn, 'integer', value);
      // int32 takes -2^31 .. 2^31-1 exactly; int64 goes past what a JS number holds, so only unsafe ones fail.
      const [lo, hi] = schema.format === 'int64' ? [-Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER + 1] : [-(2 ** 31), 2 ** 31 - 1];
      if (!Number.isInteger(value) || value < lo || value > hi) mismatch(ctx, at, schemaIn, 'integer', value, `number ${value}`);
      return;
    }
    case 'number':
      if (typeof value !== 'number') mismatch(ctx, at, schemaIn, 'number', value);
      return;
    case 'array': {
      if (!Array.isArray(value)) return mismatch(ctx, at, schemaIn, 'array', value);
      const items = schema.items;
      if (!items) return;
      value.forEach((v, i) => walk(ctx, items, v, { ...at, path: `${at.path}[${i}]` }));
      return;
    }
    case 'object': {
      if (!isPlainObject(value)) return mismatch(ctx, at, schemaIn, 'object', value);
      const goStruct = def ? (ctx.defs.goTypes.get(def) ?? def).replace(/^.*\./, '') : at.goStruct;
      const props = schema.properties;
      const extra = schema.additionalProperties;
      for (const [k, v] of Object.entries(value)) {
        const prop = props?.[k];
        const child: Where = {
          path: at.path ? `${at.path}.${k}` : k,
          goPath: at.goPath ? `${at.goPath}.${k}` : k,
          goStruct,
        };
        if (prop) {
          walk(ctx, prop, v, child);
        } else if (isPlainObject(extra)) {
          // Map values: Go reports the map field itself (ConfigMap.data of type string), Kubernetes paths add the key.
          walk(ctx, extra, v, { path: `${at.path}[${k}]`, goPath: at.goPath, goStruct: at.goStruct });
        } else if (extra === true || schema['x-kubernetes-preserve-unknown-fields']) {
          continue;
        } else {
          ctx.out.unknown.push(child.path);
        }
      }
      return;
    }
    default:
      return;
  }
}

/** Walks `obj` against a root schema; returns unknown field paths and type mismatches in document order. */
export function walkObject(defs: Definitions, root: Schema, obj: unknown, limit = 1000): WalkResult {
  const out: WalkResult = { unknown: [], mismatches: [] };
  walk({ defs, out, limit }, root, obj, { path: '', goPath: '', goStruct: '' });
  return out;
}
