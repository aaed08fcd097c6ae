// OpenAPI v3: the /openapi/v3 index and one document per group/version (/openapi/v3/api/v1,
// /openapi/v3/apis/apps/v1...). Converted from the same operations and definitions as v2: body parameters
// become requestBody, response schemas move under content, "#/definitions/" becomes "#/components/schemas/",
// and a $ref with a description is wrapped in allOf as Kubernetes does.
import { createHash } from 'node:crypto';
import { apiVersionOf } from '../../api/resource.js';
import type { Json } from './paths.js';
import { pathsFor } from './paths.js';
import { reachable, type Model } from './served.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** "api/v1" or "apis/<group>/<version>" */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${apiVersionOf(group, version)}`;
}

function convertSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(convertSchema);
  if (typeof s !== 'object' || s === null) return s;
  const o = s as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace('#/definitions/', '#/components/schemas/');
    else if (k === 'x-kubernetes-group-version-kind' || k === 'enum' || k === 'default' || k === 'required' || k === 'x-kubernetes-list-map-keys') out[k] = v;
    else out[k] = convertSchema(v);
  }
  if (typeof out.$ref === 'string' && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return { ...rest, allOf: [{ $ref }] };
  }
  return out;
}

function convertOperation(op: Json): Json {
  const out: Json = {};
  const params: Json[] = [];
  let requestBody: Json | undefined;
  const consumes = (op.consumes as string[] | undefined) ?? ['*/*'];
  const produces = (op.produces as string[] | undefined) ?? ['application/json'];
  for (const p of (op.parameters as Json[] | undefined) ?? []) {
    if (p.in === 'body') {
      const content: Json = {};
      for (const c of consumes) content[c] = { schema: convertSchema(p.schema) };
      requestBody = { content, required: true };
    } else {
      params.push(convertParam(p));
    }
  }
  const responses: Json = {};
  for (const [code, r] of Object.entries((op.responses as Json | undefined) ?? {})) {
    const resp = r as Json;
    if (resp.schema) {
      const content: Json = {};
      for (const c of produces) content[c] = { schema: convertSchema(resp.schema) };
      responses[code] = { description: resp.description, content };
    } else {
      responses[code] = { description: resp.description };
    }
  }
  for (const [k, v] of Object.entries(op)) {
    if (k === 'consumes' || k === 'produces' || k === 'schemes' || k === 'parameters' || k === 'responses') continue;
    out[k] = v;
  }
  if (params.length > 0) out.parameters = params;
  if (requestBody) out.requestBody = requestBody;
  out.responses = responses;
  return out;
}

function convertParam(p: Json): Json {
  const { type, uniqueItems, ...rest } = p;
  const schema: Json = { type };
  if (uniqueItems) schema.uniqueItems = true;
  return { ...rest, schema };
}

function convertPathItem(item: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(item)) {
    if (k === 'parameters') out.parameters = (v as Json[]).map(convertParam);
    else out[k] = convertOperation(v as Json);
  }
  return out;
}

export function buildV3Document(model: Model, gvPath: string, serverVersion: string): Json | undefined {
  const kinds = model.kinds.filter((k) => groupVersionPath(k.info.group, k.version) === gvPath);
  if (kinds.length === 0) return undefined;
  const paths: Record<string, Json> = {};
  const roots = new Set<string>([`${META}.Status`, `${META}.DeleteOptions`, `${META}.Patch`, `${META}.WatchEvent`]);
  for (const k of kinds) {
    for (const [p, item] of Object.entries(pathsFor(k))) paths[p] = convertPathItem(item);
    if (k.def) roots.add(k.def);
    if (k.listDef) roots.add(k.listDef);
  }
  // Subresource kinds (Scale...) are referenced only from the operations.
  const text = JSON.stringify(paths);
  for (const m of text.matchAll(/#\/components\/schemas\/([^"]+)"/g)) roots.add(m[1]!);
  const schemas: Record<string, unknown> = {};
  for (const name of [...reachable(model.definitions, roots)].sort()) schemas[name] = convertSchema(model.definitions.get(name));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: serverVersion },
    paths,
    components: {
      schemas,
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
  };
}

/** Every group/version path served, in a stable order. */
export function groupVersionPaths(model: Model): string[] {
  const set = new Set<string>();
  for (const k of model.kinds) set.add(groupVersionPath(k.info.group, k.version));
  return [...set].sort();
}

/** Kubernetes' index hash is a hex digest of the document; kubectl only uses it as a cache key. */
export function documentHash(doc: Json): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase().slice(0, 128);
}
