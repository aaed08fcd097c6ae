// The checks an object passes before it is written: type fields, fieldValidation (unknown fields), defaults,
// custom-resource schemas, and validation (422 with one cause per bad field).
import { errors, type FieldError } from '../../api/errors.js';
import { applyDefaults } from '../../api/defaults/index.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import { apiVersionOf } from '../../api/resource.js';
import { checkDecode } from '../../api/schema/index.js';
import { validateCreate, validateUpdate } from '../../api/validation/index.js';
import { checkCustomResource } from '../crd/schema.js';
import { validateCrd } from '../crd/lifecycle.js';
import type { Op } from './common.js';

export function requireObject(body: unknown): KubeObject {
  if (!isPlainObject(body)) throw errors.badRequest('the body of the request was not a JSON object');
  return body as KubeObject;
}

/** apiVersion and kind in the body must name the endpoint's type (when given). */
export function checkTypeMeta(op: Op, obj: KubeObject, expectKind = op.served.info.kind, expectApiVersion = apiVersionOf(op.served.info.group, op.rr.version)): void {
  if (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== expectApiVersion) {
    throw errors.badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expectApiVersion})`);
  }
  if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== expectKind) {
    throw errors.badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${expectKind})`);
  }
  obj.apiVersion = expectApiVersion;
  obj.kind = expectKind;
  if (obj.metadata !== undefined && !isPlainObject(obj.metadata)) {
    throw errors.badRequest(`${expectKind} in version "${op.rr.version}" cannot be handled as a ${expectKind}: metadata must be an object`);
  }
}

type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidation(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation') ?? 'Warn';
  if (v !== 'Strict' && v !== 'Warn' && v !== 'Ignore') {
    throw errors.badRequest(`fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`);
  }
  return v;
}

function reportUnknown(op: Op, paths: string[]): void {
  if (paths.length === 0) return;
  const mode = fieldValidation(op.rr.query);
  const msgs = paths.map((p) => `unknown field "${p}"`);
  if (mode === 'Strict') {
    const k = op.served.info.kind;
    throw errors.badRequest(`${k} in version "${op.rr.version}" cannot be handled as a ${k}: strict decoding error: ${msgs.join(', ')}`);
  }
  if (mode === 'Warn') op.rr.warnings.push(...msgs);
}

/** Unknown fields, defaults, schema and validation. Mutates obj (defaults, pruning). */
export function admitObject(op: Op, obj: KubeObject, old?: KubeObject): void {
  const info = op.served.info;
  const v = op.rr.version;
  const custom = op.served.custom;
  if (custom) {
    const schema = custom.versions.get(v)?.schema;
    const res = checkCustomResource(schema, obj as Record<string, unknown>);
    reportUnknown(op, res.unknown);
    const errs = [...res.errors, ...metadataErrors(obj)];
    if (errs.length > 0) throw errors.invalid({ group: info.group, kind: info.kind }, obj.metadata?.name ?? '', errs);
    return;
  }
  const decoded = checkDecode(info, v, obj, { fieldValidation: fieldValidation(op.rr.query), name: obj.metadata?.name ?? '' });
  if (decoded.error) throw decoded.error;
  op.rr.warnings.push(...decoded.warnings);
  applyDefaults(info, obj);
  const errs: FieldError[] = old ? validateUpdate(info, obj, old) : validateCreate(info, obj);
  if (info.group === 'apiextensions.k8s.io' && info.plural === 'customresourcedefinitions') errs.push(...validateCrd(obj));
  if (errs.length > 0) throw errors.invalid({ group: info.group, kind: info.kind }, obj.metadata?.name ?? '', errs);
}

/** The metadata rules every type shares, for custom resources (built-ins get them from validation). */
function metadataErrors(obj: KubeObject): FieldError[] {
  const name = obj.metadata?.name ?? '';
  const out: FieldError[] = [];
  if (name && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)) {
    out.push({ type: 'FieldValueInvalid', field: 'metadata.name', value: name, hasValue: true, detail: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')" });
  }
  return out;
}
