// Schemas of the built-in types, read from the kubernetes-types package (see registry.ts), plus CRD schemas
// handed in by the caller. Used for strict decoding, type checks, patch metadata and OpenAPI.
import { errors, type ApiError, type FieldError } from '../errors.js';
import type { ResourceInfo } from '../resource.js';
import { builtinDefinitions, refName, type Definitions } from './registry.js';
import { walkObject, type TypeMismatch } from './walk.js';
import type { PatchMeta } from './patch-table.js';
import type { Schema } from './types.js';

export type { Schema, GroupVersionKind, CrdSchemas } from './types.js';
export { gvkKey, crdSchemaFor } from './types.js';
export type { PatchMeta } from './patch-table.js';
export { builtinDefinitions, refName } from './registry.js';
export type { Definitions } from './registry.js';

export interface SchemaOptions {
  /** The CRD's openAPIV3Schema for this version, when `info` is a custom resource. */
  crdSchema?: Schema;
}

const OBJECT_META_REF = '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** The definition for a built-in kind, or undefined (unknown kind, or a custom resource). */
export function schemaFor(group: string, version: string, kind: string): Schema | undefined {
  const defs = builtinDefinitions();
  const name = defs.byGvk.get(`${group}/${version}/${kind}`);
  return name ? defs.schemas.get(name) : undefined;
}

/** The OpenAPI definition name of a built-in kind ("io.k8s.api.apps.v1.Deployment"). */
export function definitionNameFor(group: string, version: string, kind: string): string | undefined {
  return builtinDefinitions().byGvk.get(`${group}/${version}/${kind}`);
}

/** A CRD schema as Kubernetes serves it: apiVersion, kind and metadata are always there. */
export function crdRootSchema(crd: Schema): Schema {
  return {
    ...crd,
    type: 'object',
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' },
      metadata: { $ref: OBJECT_META_REF, description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
      ...(crd.properties ?? {}),
    },
  };
}

function rootSchema(info: ResourceInfo, version: string, opts?: SchemaOptions): Schema | undefined {
  if (opts?.crdSchema) return crdRootSchema(opts.crdSchema);
  // A reference (not the schema itself) so the walk knows the root's Go struct name for messages.
  const name = definitionNameFor(info.group, version, info.kind);
  return name ? { $ref: `#/definitions/${name}` } : undefined;
}

/**
 * Strict decoding (fieldValidation=Strict): the paths of fields the type does not have, in Kubernetes' form
 * ("spec.foo", "spec.template.spec.containers[0].imagePullPolice"). Empty when everything is known, and for
 * kinds without a schema.
 */
export function unknownFields(info: ResourceInfo, version: string, obj: unknown, opts?: SchemaOptions): string[] {
  const root = rootSchema(info, version, opts);
  return root ? walkObject(builtinDefinitions(), root, obj).unknown : [];
}

/**
 * Values of the wrong JSON type (a string where an integer goes...) as field errors, with the value's JSON
 * type as the bad value and a detail in the words CRD validation uses ("spec.replicas in body must be of type
 * integer: \"string\""). For built-in kinds Kubernetes answers these with a 400 decode error instead: see
 * checkDecode, which builds the exact response.
 */
export function typeErrors(info: ResourceInfo, version: string, obj: unknown, opts?: SchemaOptions): FieldError[] {
  const root = rootSchema(info, version, opts);
  if (!root) return [];
  return walkObject(builtinDefinitions(), root, obj).mismatches.map(toFieldError);
}

function toFieldError(m: TypeMismatch): FieldError {
  const got = m.got.startsWith('number') ? 'number' : m.got === 'bool' ? 'boolean' : m.got;
  return {
    type: 'FieldValueTypeInvalid',
    field: m.path,
    value: got,
    hasValue: true,
    detail: `${m.path} in body must be of type ${m.expected}: ${JSON.stringify(got)}`,
  };
}

/** Go's json.UnmarshalTypeError text, as the API server passes it on. */
export function goDecodeMessage(m: TypeMismatch): string {
  if (m.message) return m.message;
  if (!m.goPath) return `json: cannot unmarshal ${m.got} into Go value of type ${m.goType}`;
  return `json: cannot unmarshal ${m.got} into Go struct field ${m.goStruct}.${m.goPath} of type ${m.goType}`;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface DecodeCheck {
  /** Set when the request must fail: 400 for built-in decode errors and strict unknown fields, 422 for CRD types. */
  error?: ApiError;
  /**
   * Warnings for fieldValidation=Warn (and the default, which is Warn): `unknown field "spec.foo"`. The server
   * sends each as a `Warning: 299 - "<text>"` header (quotes and backslashes escaped).
   */
  warnings: string[];
}

/**
 * What the API server's decoder would say about a create/update body (or a patched result): the first
 * wrong-typed value as Kubernetes' 400 "cannot be handled as a" error, then unknown fields by fieldValidation.
 */
export function checkDecode(
  info: ResourceInfo,
  version: string,
  obj: unknown,
  opts: SchemaOptions & { fieldValidation?: FieldValidation; name?: string } = {},
): DecodeCheck {
  const root = rootSchema(info, version, opts);
  if (!root) return { warnings: [] };
  const res = walkObject(builtinDefinitions(), root, obj);
  const prefix = `${info.kind} in version "${version}" cannot be handled as a ${info.kind}`;
  if (res.mismatches.length > 0) {
    if (opts.crdSchema) {
      return { error: errors.invalid({ group: info.group, kind: info.kind }, opts.name ?? '', res.mismatches.map(toFieldError)), warnings: [] };
    }
    return { error: errors.badRequest(`${prefix}: ${goDecodeMessage(res.mismatches[0]!)}`), warnings: [] };
  }
  const validation = opts.fieldValidation ?? 'Warn';
  if (res.unknown.length === 0 || validation === 'Ignore') return { warnings: [] };
  const texts = res.unknown.map((p) => `unknown field "${p}"`);
  if (validation === 'Strict') return { error: errors.badRequest(`${prefix}: strict decoding error: ${texts.join(', ')}`), warnings: [] };
  return { warnings: texts };
}

/**
 * The decoder's 400 for a custom resource whose metadata has a wrong-typed field: the API server decodes a
 * custom resource's metadata into ObjectMeta on its own, so Go names the struct ObjectMeta
 * ("json: cannot unmarshal object into Go struct field ObjectMeta.labels of type string").
 */
export function objectMetaDecodeError(kind: string, version: string, metadata: unknown): ApiError | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  const prefix = `${kind} in version "${version}" cannot be handled as a ${kind}`;
  const res = walkObject(builtinDefinitions(), { $ref: OBJECT_META_REF }, metadata, 1);
  const m = res.mismatches[0];
  if (!m) return undefined;
  if (!m.goPath) return errors.badRequest(`${prefix}: json: cannot unmarshal ${m.got} into Go value of type v1.ObjectMeta`);
  return errors.badRequest(`${prefix}: ${goDecodeMessage(m)}`);
}

/**
 * Strategic-merge / apply metadata of the field at `path` (field names from the object root; list indices, if
 * given as numbers or "[0]"-like strings, are skipped: a list's items share one schema).
 * Example: patchMetaAt('apps', 'v1', 'Deployment', ['spec', 'template', 'spec', 'containers'])
 *   -> { strategy: 'merge', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] }
 */
export function patchMetaAt(group: string, version: string, kind: string, path: readonly (string | number)[], opts?: SchemaOptions): PatchMeta {
  const defs = builtinDefinitions();
  let cur: Schema | undefined = opts?.crdSchema ? crdRootSchema(opts.crdSchema) : schemaFor(group, version, kind);
  let field: Schema | undefined;
  for (const seg of path) {
    if (typeof seg === 'number' || /^\[.*\]$/.test(seg)) continue;
    cur = deref(defs, cur);
    if (cur?.type === 'array' || (cur?.items && !cur.properties)) cur = deref(defs, cur.items);
    const next: Schema | undefined = cur?.properties?.[seg] ?? (typeof cur?.additionalProperties === 'object' ? cur.additionalProperties : undefined);
    if (!next) return {};
    field = next;
    cur = next;
  }
  if (!field) return {};
  const meta: PatchMeta = {};
  // Extensions may sit on the field itself or on the definition it points to (atomic structs).
  const target = deref(defs, field);
  for (const s of [target, field]) {
    if (!s) continue;
    if (s['x-kubernetes-patch-strategy']) meta.strategy = s['x-kubernetes-patch-strategy'];
    if (s['x-kubernetes-patch-merge-key']) meta.mergeKey = s['x-kubernetes-patch-merge-key'];
    if (s['x-kubernetes-list-type']) meta.listType = s['x-kubernetes-list-type'];
    if (s['x-kubernetes-list-map-keys']) meta.listMapKeys = s['x-kubernetes-list-map-keys'];
    if (s['x-kubernetes-map-type']) meta.mapType = s['x-kubernetes-map-type'];
  }
  if (!meta.listType && target?.type === 'array') meta.listType = 'atomic';
  return meta;
}

function deref(defs: Definitions, s: Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; cur?.$ref && i < 8; i++) cur = defs.schemas.get(refName(cur.$ref));
  return cur;
}
