// Typed query parameters of get, list and watch, checked as Kubernetes decodes them into ListOptions and
// GetOptions: a value that does not parse is a 400 before any work starts (and before a watch stream opens).
import { errors } from '../api/errors.js';
import type { RequestVerb } from './types.js';

// Go's strconv.ParseBool spellings.
const BOOLS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);
const INT64 = /^[+-]?\d{1,19}$/;

const BOOL_PARAMS = ['watch', 'allowWatchBookmarks', 'sendInitialEvents'];
const INT_PARAMS = ['limit', 'timeoutSeconds'];

function isInt64(v: string): boolean {
  if (!INT64.test(v)) return false;
  const n = BigInt(v);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

export function checkReadQuery(verb: RequestVerb, q: URLSearchParams): void {
  if (verb !== 'get' && verb !== 'list' && verb !== 'watch') return;
  for (const p of BOOL_PARAMS) {
    const v = q.get(p);
    if (v !== null && v !== '' && !BOOLS.has(v)) throw errors.badRequest(`${p}: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
  }
  for (const p of INT_PARAMS) {
    const v = q.get(p);
    if (v !== null && v !== '' && !isInt64(v)) {
      throw errors.badRequest(`${p}: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
    }
  }
  const rv = q.get('resourceVersion');
  if (rv !== null && rv !== '' && !/^\d+$/.test(rv)) {
    throw errors.badRequest(`resourceVersion: Invalid value: ${JSON.stringify(rv)}: must be a non-negative integer`);
  }
  if (verb === 'list' && q.get('sendInitialEvents') !== null) {
    throw errors.badRequest('sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list');
  }
}
