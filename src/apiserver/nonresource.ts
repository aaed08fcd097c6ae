// Paths that are not resources: /version, health checks, discovery (legacy and aggregated) and OpenAPI.
import { ApiError, errors } from '../api/errors.js';
import {
  aggregatedContentType,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  coreApiVersions,
  negotiateAggregated,
} from './discovery/index.js';
import {
  OPENAPI_V2_PROTOBUF_CONTENT_TYPE,
  openapiV2Json,
  openapiV2Protobuf,
  openapiV3Document,
  openapiV3Index,
} from './openapi/index.js';
import type { ResourceRegistry } from './registry.js';

export const VERSION_INFO = {
  major: '1',
  minor: '33',
  emulationMajor: '1',
  emulationMinor: '33',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '32',
  gitVersion: 'v1.33.0+tugboat',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.24.0',
  compiler: 'gc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

const PUBLIC = /^\/(healthz|livez|readyz)(\/.*)?$|^\/version\/?$/;

/** Paths anyone may read without a credential (as kube-apiserver's system:public-info-viewer allows). */
export function isPublicPath(path: string): boolean {
  return PUBLIC.test(path);
}

export interface Answer {
  code: number;
  contentType: string;
  body: string | Uint8Array;
  headers?: Record<string, string>;
}

const json = (v: unknown, contentType = 'application/json'): Answer => ({ code: 200, contentType, body: JSON.stringify(v) });

export function nonResource(registry: ResourceRegistry, method: string, path: string, accept: string | undefined, serverAddress: string): Answer {
  if (method !== 'GET' && method !== 'HEAD') throw errors.methodNotAllowed(method, { group: '', resource: path });
  if (/^\/(healthz|livez|readyz)(\/.*)?$/.test(path)) return { code: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' };
  if (path === '/version') return json(VERSION_INFO);
  const resources = registry.resources();
  const vary = { Vary: 'Accept' };
  if (path === '/api' || path === '/apis') {
    const scope = path === '/api' ? 'core' : 'apis';
    const agg = negotiateAggregated(accept);
    if (agg) return { ...json(aggregatedDiscovery(resources, scope, agg), aggregatedContentType(agg)), headers: vary };
    return { ...json(scope === 'core' ? coreApiVersions(serverAddress) : apiGroupList(resources)), headers: vary };
  }
  if (path === '/api/v1') {
    const doc = apiResourceList(resources, '', 'v1');
    if (doc) return json(doc);
  }
  const g = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (g) {
    const doc = g[2] ? apiResourceList(resources, g[1]!, g[2]) : apiGroup(resources, g[1]!);
    if (doc) return json(doc);
  }
  const opts = { crdSchemas: registry.crdSchemas(), generation: registry.generation };
  if (path === '/openapi/v2' || path === '/swagger.json' || path === '/swagger-2.0.0.pb-v1') {
    const wantsProto = path === '/swagger-2.0.0.pb-v1' || (accept ?? '').includes('protobuf');
    if (wantsProto) return { code: 200, contentType: OPENAPI_V2_PROTOBUF_CONTENT_TYPE, body: openapiV2Protobuf(resources, opts) };
    return json(openapiV2Json(resources, opts));
  }
  if (path === '/openapi/v3') return json(openapiV3Index(resources, opts));
  if (path.startsWith('/openapi/v3/')) {
    const doc = openapiV3Document(resources, path.slice('/openapi/v3/'.length), opts);
    if (doc) return { ...json(doc), headers: { 'Cache-Control': 'public, immutable' } };
  }
  if (path === '/') {
    return json({ paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/openapi/v2', '/openapi/v3', '/readyz', '/version'] });
  }
  throw notFoundPath();
}

/** Kubernetes' answer for a path nothing serves. */
export function notFoundPath(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] });
}
