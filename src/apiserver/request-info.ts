// Parses method + path into a RequestInfo, following Kubernetes' RequestInfoFactory:
//   /api/v1/namespaces/{ns}/{resource}/{name}/{subresource}
//   /apis/{group}/{version}/{resource}/{name}
// Anything else (discovery, /version, /healthz, /openapi) is a non-resource request.
import { errors } from '../api/errors.js';
import type { RequestInfo, RequestVerb } from './types.js';

// /namespaces/{name}/status and /finalize are subresources of the namespace itself, not a namespaced resource.
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** A path segment with its %-escapes decoded; a malformed escape is the client's error (400), not ours. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw errors.badRequest(`invalid URL escape in path segment ${JSON.stringify(segment)}`);
  }
}

export function parseRequestInfo(method: string, rawPath: string, query: URLSearchParams): RequestInfo {
  const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
  const nonResource: RequestInfo = { isResource: false, path, method, verb: method.toLowerCase() };
  const parts = path.split('/').filter((p) => p !== '').map(decodeSegment);
  const prefix = parts[0];
  if (prefix !== 'api' && prefix !== 'apis') return nonResource;
  let rest: string[];
  let group = '';
  let version: string;
  if (prefix === 'api') {
    if (parts.length < 3) return nonResource; // /api, /api/v1
    version = parts[1]!;
    rest = parts.slice(2);
  } else {
    if (parts.length < 4) return nonResource; // /apis, /apis/g, /apis/g/v
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  }
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
    else namespace = undefined; // the namespaces resource itself: /namespaces/{name}[/status]
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || extra.length > 0 && subresource !== 'proxy') return nonResource;
  const hasName = name !== undefined;
  let verb: RequestVerb;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = watchPath || isTrue(query.get('watch')) ? 'watch' : hasName ? 'get' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = hasName ? 'delete' : 'deletecollection';
      break;
    default:
      verb = 'get';
  }
  // The namespaces resource: /api/v1/namespaces/{name} carries its name in the namespace slot.
  const info: RequestInfo = {
    isResource: true,
    path,
    method,
    verb,
    apiPrefix: prefix,
    group,
    version,
    resource,
    watchPath,
  };
  if (resource === 'namespaces' && namespace === undefined && rest[0] === 'namespaces') {
    if (name !== undefined) info.name = name;
    if (subresource !== undefined) info.subresource = subresource;
  } else {
    if (namespace !== undefined) info.namespace = namespace;
    if (name !== undefined) info.name = name;
    if (subresource !== undefined) info.subresource = subresource;
  }
  if (['exec', 'attach', 'portforward', 'proxy'].includes(info.subresource ?? '')) info.verb = 'connect';
  return info;
}

// Go's strconv.ParseBool spellings of true (Kubernetes parses watch, allowWatchBookmarks... with it).
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

export function isTrue(v: string | null): boolean {
  return v !== null && TRUE.has(v);
}
