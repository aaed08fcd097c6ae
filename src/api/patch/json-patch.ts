// RFC 6902 JSON patch, as Kubernetes applies it (evanphx/json-patch v4 semantics). Kubernetes hides the
// library's message behind a generic 422 ("the server rejected our request due to an error in our request");
// we do the same and keep the precise reason as the error's `cause` for logs.
import { ApiError, errors } from '../errors.js';
import { clone, deepEqual, isPlainObject } from './values.js';

export interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

/** Kubernetes refuses longer patches (maxJSONPatchOperations). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

class PatchFailure extends Error {}

function rejected(detail: string): ApiError {
  const e = new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
  e.cause = detail;
  return e;
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new PatchFailure(`JSON pointer must be empty or start with a "/": ${p}`);
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The container holding the last token of `path`, or undefined when some step is missing. */
function parentOf(doc: unknown, tokens: string[]): unknown {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = arrayIndex(t, cur.length - 1);
      if (i === undefined) return undefined;
      cur = cur[i];
    } else if (isPlainObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = cur[t];
    else return undefined;
  }
  return cur;
}

function arrayIndex(t: string, max: number): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(t)) return undefined;
  const i = Number(t);
  return i <= max ? i : undefined;
}

function get(doc: unknown, tokens: string[]): { found: boolean; value?: unknown } {
  if (tokens.length === 0) return { found: true, value: doc };
  const parent = parentOf(doc, tokens);
  const key = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = arrayIndex(key, parent.length - 1);
    return i === undefined ? { found: false } : { found: true, value: parent[i] };
  }
  if (isPlainObject(parent) && Object.prototype.hasOwnProperty.call(parent, key)) return { found: true, value: parent[key] };
  return { found: false };
}

function add(doc: unknown, path: string, value: unknown, opName = 'add'): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens);
  const key = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : arrayIndex(key, parent.length);
    if (i === undefined) throw new PatchFailure(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
    parent.splice(i, 0, value);
  } else if (isPlainObject(parent)) {
    parent[key] = value;
  } else {
    throw new PatchFailure(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  return doc;
}

function remove(doc: unknown, path: string, opName = 'remove'): { doc: unknown; removed: unknown } {
  const tokens = parsePointer(path);
  const missing = () => new PatchFailure(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
  if (tokens.length === 0) throw missing();
  const parent = parentOf(doc, tokens);
  const key = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = arrayIndex(key, parent.length - 1);
    if (i === undefined) throw missing();
    return { doc, removed: parent.splice(i, 1)[0] };
  }
  if (isPlainObject(parent) && Object.prototype.hasOwnProperty.call(parent, key)) {
    const removed = parent[key];
    delete parent[key];
    return { doc, removed };
  }
  throw missing();
}

function applyOne(doc: unknown, op: JsonPatchOp): unknown {
  const path = op.path;
  switch (op.op) {
    case 'add':
      return add(doc, path, clone(op.value));
    case 'remove':
      return remove(doc, path).doc;
    case 'replace': {
      const tokens = parsePointer(path);
      if (tokens.length === 0) return clone(op.value);
      if (!get(doc, tokens).found) throw new PatchFailure(`replace operation does not apply: doc is missing key: ${path}: missing value`);
      const r = remove(doc, path, 'replace');
      return add(r.doc, path, clone(op.value), 'replace');
    }
    case 'move': {
      const from = op.from ?? '';
      if (!get(doc, parsePointer(from)).found) throw new PatchFailure(`move operation does not apply: doc is missing from path: ${from}: missing value`);
      const r = remove(doc, from, 'move');
      return add(r.doc, path, r.removed, 'move');
    }
    case 'copy': {
      const from = op.from ?? '';
      const src = get(doc, parsePointer(from));
      if (!src.found) throw new PatchFailure(`copy operation does not apply: doc is missing from path: ${from}: missing value`);
      return add(doc, path, clone(src.value), 'copy');
    }
    case 'test': {
      const cur = get(doc, parsePointer(path));
      // evanphx: a missing member tests equal to null.
      const actual = cur.found ? cur.value : null;
      if (!deepEqual(actual, op.value ?? null)) throw new PatchFailure(`testing value ${path} failed: test failed`);
      return doc;
    }
    default:
      throw new PatchFailure(`Unexpected kind: ${String(op.op)}`);
  }
}

/** Applies RFC 6902 operations to a copy of `doc`. Throws ApiError (400, 413 or 422) as Kubernetes answers. */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) {
    throw errors.badRequest(`json: cannot unmarshal ${isPlainObject(ops) ? 'object' : typeof ops} into Go value of type jsonpatch.Patch`);
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw errors.tooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  }
  let out = clone(doc);
  for (const raw of ops) {
    if (!isPlainObject(raw)) throw errors.badRequest('json: cannot unmarshal into Go value of type jsonpatch.Operation');
    const op = raw as unknown as JsonPatchOp;
    try {
      if (typeof op.path !== 'string') throw new PatchFailure(`${String(op.op)} operation does not apply: missing path`);
      out = applyOne(out, op);
    } catch (e) {
      if (e instanceof PatchFailure) throw rejected(e.message);
      throw e;
    }
  }
  return out;
}
