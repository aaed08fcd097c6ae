// OpenAPI documents for /openapi/v2 (JSON and protobuf) and /openapi/v3 (index + one document per
// group/version). Every function takes the current resource list and, for custom resources, their CRD
// schemas (options.crdSchemas: "group/version/Kind" -> openAPIV3Schema). Results are cached per resource list
// (by identity), crdSchemas object and options.generation, so the big protobuf is encoded once per change.
import type { ResourceInfo } from '../../api/resource.js';
import { encodeV2 } from './proto.js';
import type { Json } from './paths.js';
import { buildModel, type Model, type OpenApiOptions } from './served.js';
import { buildV2 } from './v2.js';
import { buildV3Document, documentHash, groupVersionPath, groupVersionPaths } from './v3.js';

export type { OpenApiOptions } from './served.js';
export { crdDefinitionName } from './served.js';
export { OPENAPI_V2_PROTOBUF_CONTENT_TYPE, OPENAPI_V2_PROTOBUF_ACCEPT_DEPRECATED, openapiV2Root } from './proto.js';
export { groupVersionPath } from './v3.js';

/** The Kubernetes version Tugboat presents itself as (see /version). */
export const DEFAULT_SERVER_VERSION = 'v1.33.0';

interface Cached {
  crd: OpenApiOptions['crdSchemas'];
  generation: number | undefined;
  serverVersion: string;
  model: Model;
  v2Json?: Json;
  v2Proto?: Uint8Array;
  v3Docs: Map<string, Json | undefined>;
  v3Index?: Json;
}

const cache = new WeakMap<readonly ResourceInfo[], Cached>();

function entry(resources: readonly ResourceInfo[], opts: OpenApiOptions = {}): Cached {
  const serverVersion = opts.serverVersion ?? DEFAULT_SERVER_VERSION;
  const hit = cache.get(resources);
  if (hit && hit.crd === opts.crdSchemas && hit.generation === opts.generation && hit.serverVersion === serverVersion) return hit;
  const fresh: Cached = { crd: opts.crdSchemas, generation: opts.generation, serverVersion, model: buildModel(resources, opts), v3Docs: new Map() };
  cache.set(resources, fresh);
  return fresh;
}

/** GET /openapi/v2 as JSON. */
export function openapiV2Json(resources: readonly ResourceInfo[], opts?: OpenApiOptions): object {
  const e = entry(resources, opts);
  e.v2Json ??= buildV2(e.model, e.serverVersion);
  return e.v2Json;
}

/** GET /openapi/v2 as the gnostic protobuf message kubectl 1.27/1.28 decode (Content-Type: OPENAPI_V2_PROTOBUF_CONTENT_TYPE). */
export function openapiV2Protobuf(resources: readonly ResourceInfo[], opts?: OpenApiOptions): Uint8Array {
  const e = entry(resources, opts);
  e.v2Json ??= buildV2(e.model, e.serverVersion);
  e.v2Proto ??= encodeV2(e.v2Json);
  return e.v2Proto;
}

function v3Doc(e: Cached, gvPath: string): Json | undefined {
  if (!e.v3Docs.has(gvPath)) e.v3Docs.set(gvPath, buildV3Document(e.model, gvPath, e.serverVersion));
  return e.v3Docs.get(gvPath);
}

/** GET /openapi/v3: {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=..."}, ...}}. */
export function openapiV3Index(resources: readonly ResourceInfo[], opts?: OpenApiOptions): object {
  const e = entry(resources, opts);
  if (!e.v3Index) {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const p of groupVersionPaths(e.model)) {
      const doc = v3Doc(e, p);
      if (doc) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${documentHash(doc)}` };
    }
    e.v3Index = { paths };
  }
  return e.v3Index;
}

/**
 * GET /openapi/v3/<api/v1 | apis/group/version> (groupVersionPath without the leading slash or query), or
 * undefined (404). With ?hash= matching, Kubernetes answers with a long Cache-Control; serving it plainly works.
 */
export function openapiV3Document(resources: readonly ResourceInfo[], groupVersionPathArg: string, opts?: OpenApiOptions): object | undefined {
  const p = groupVersionPathArg.replace(/^\/+/, '').replace(/^openapi\/v3\//, '').replace(/\?.*$/, '');
  return v3Doc(entry(resources, opts), p);
}

/** The hash the index advertises for a document (for ETag / Cache-Control handling in the server). */
export function openapiV3Hash(resources: readonly ResourceInfo[], groupVersionPathArg: string, opts?: OpenApiOptions): string | undefined {
  const doc = openapiV3Document(resources, groupVersionPathArg, opts);
  return doc ? documentHash(doc as Json) : undefined;
}
