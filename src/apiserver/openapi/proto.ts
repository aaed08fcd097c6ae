// Encodes the swagger 2.0 JSON document as gnostic's openapi.v2.Document protobuf (what kubectl 1.27/1.28
// ask for with Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf). Answer with the dotted
// Content-Type below, as kube-openapi does: "@" is not a MIME token character and Go's mime.ParseMediaType in
// kubectl rejects the "@" form ("mime: unexpected content after media subtype"). Accept both forms in requests.
// Extensions (x-*) become NamedAny entries whose value is YAML text (JSON, a YAML subset).
import protobuf from 'protobufjs';
import type { Json } from './paths.js';
import { OPENAPI_V2_PROTO } from './openapiv2.proto.js';

export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
/** The form kubectl 1.27/1.28 put in Accept (also accept OPENAPI_V2_PROTOBUF_CONTENT_TYPE). */
export const OPENAPI_V2_PROTOBUF_ACCEPT_DEPRECATED = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

let root: protobuf.Root | undefined;
/** The parsed schema (field names kept as written: snake_case). */
export function openapiV2Root(): protobuf.Root {
  root ??= protobuf.parse(OPENAPI_V2_PROTO, { keepCase: true }).root;
  return root;
}

type Msg = Record<string, unknown>;

const anyOf = (v: unknown): Msg => ({ yaml: JSON.stringify(v) });
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function extensions(o: Json): Msg[] {
  return Object.entries(o)
    .filter(([k]) => k.startsWith('x-'))
    .map(([name, v]) => ({ name, value: anyOf(v) }));
}

const SCHEMA_NUMBERS: Record<string, string> = {
  multipleOf: 'multiple_of', maximum: 'maximum', minimum: 'minimum', maxLength: 'max_length', minLength: 'min_length',
  maxItems: 'max_items', minItems: 'min_items', maxProperties: 'max_properties', minProperties: 'min_properties',
};

function schemaMsg(s: Json): Msg {
  const m: Msg = {};
  if (typeof s.$ref === 'string') m._ref = s.$ref;
  for (const k of ['format', 'title', 'description', 'pattern', 'discriminator'] as const) if (typeof s[k] === 'string') m[k] = s[k];
  for (const [k, f] of Object.entries(SCHEMA_NUMBERS)) if (typeof s[k] === 'number') m[f] = s[k];
  if (s.exclusiveMaximum === true) m.exclusive_maximum = true;
  if (s.exclusiveMinimum === true) m.exclusive_minimum = true;
  if (s.uniqueItems === true) m.unique_items = true;
  if (s.readOnly === true) m.read_only = true;
  if (s.default !== undefined) m.default = anyOf(s.default);
  if (Array.isArray(s.required)) m.required = s.required;
  if (Array.isArray(s.enum)) m.enum = s.enum.map(anyOf);
  if (typeof s.type === 'string') m.type = { value: [s.type] };
  if (isObj(s.items)) m.items = { schema: [schemaMsg(s.items)] };
  if (Array.isArray(s.allOf)) m.all_of = s.allOf.filter(isObj).map(schemaMsg);
  if (isObj(s.properties)) {
    m.properties = { additional_properties: Object.entries(s.properties).filter(([, v]) => isObj(v)).map(([name, v]) => ({ name, value: schemaMsg(v as Json) })) };
  }
  if (isObj(s.additionalProperties)) m.additional_properties = { schema: schemaMsg(s.additionalProperties) };
  else if (typeof s.additionalProperties === 'boolean') m.additional_properties = { boolean: s.additionalProperties };
  const ext = extensions(s);
  if (ext.length > 0) m.vendor_extension = ext;
  return m;
}

function paramMsg(p: Json): Msg {
  if (p.in === 'body') {
    const b: Msg = { name: p.name, in: 'body', required: p.required === true };
    if (typeof p.description === 'string') b.description = p.description;
    if (isObj(p.schema)) b.schema = schemaMsg(p.schema);
    return { parameter: { body_parameter: b } };
  }
  const sub: Msg = { name: p.name, in: p.in, type: p.type };
  if (typeof p.description === 'string') sub.description = p.description;
  if (p.required === true) sub.required = true;
  if (p.uniqueItems === true) sub.unique_items = true;
  if (p.in === 'path') return { parameter: { non_body_parameter: { path_parameter_sub_schema: sub } } };
  return { parameter: { non_body_parameter: { query_parameter_sub_schema: sub } } };
}

function operationMsg(op: Json): Msg {
  const m: Msg = {};
  for (const [k, f] of [['tags', 'tags'], ['produces', 'produces'], ['consumes', 'consumes'], ['schemes', 'schemes']] as const) {
    if (Array.isArray(op[k])) m[f] = op[k];
  }
  if (typeof op.description === 'string') m.description = op.description;
  if (typeof op.operationId === 'string') m.operation_id = op.operationId;
  if (Array.isArray(op.parameters)) m.parameters = op.parameters.filter(isObj).map(paramMsg);
  if (isObj(op.responses)) {
    m.responses = {
      response_code: Object.entries(op.responses).map(([name, r]) => {
        const resp = r as Json;
        const msg: Msg = { description: resp.description ?? '' };
        if (isObj(resp.schema)) msg.schema = { schema: schemaMsg(resp.schema) };
        return { name, value: { response: msg } };
      }),
    };
  }
  const ext = extensions(op);
  if (ext.length > 0) m.vendor_extension = ext;
  return m;
}

function pathItemMsg(item: Json): Msg {
  const m: Msg = {};
  for (const verb of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch']) {
    if (isObj(item[verb])) m[verb] = operationMsg(item[verb] as Json);
  }
  if (Array.isArray(item.parameters)) m.parameters = item.parameters.filter(isObj).map(paramMsg);
  return m;
}

/** The protobuf bytes of a swagger 2.0 JSON document. */
export function encodeV2(doc: Json): Uint8Array {
  const Document = openapiV2Root().lookupType('openapi.v2.Document');
  const info = isObj(doc.info) ? doc.info : {};
  const msg: Msg = {
    swagger: doc.swagger ?? '2.0',
    info: { title: info.title ?? '', version: info.version ?? '' },
    paths: { path: Object.entries(isObj(doc.paths) ? doc.paths : {}).map(([name, item]) => ({ name, value: pathItemMsg(item as Json) })) },
    definitions: {
      additional_properties: Object.entries(isObj(doc.definitions) ? doc.definitions : {}).map(([name, s]) => ({ name, value: schemaMsg(s as Json) })),
    },
  };
  // fromObject builds the nested messages (and checks field names: a typo fails loudly here, not in kubectl).
  return Document.encode(Document.fromObject(msg)).finish();
}
