// Strategic merge patch, as apimachinery's strategicpatch applies it on the server (MergeParallelList and
// IgnoreUnmatchedNulls on): lists with patchStrategy "merge" merge by their merge key (or as sets of
// scalars), other lists are replaced; maps merge; null deletes. Directives: $patch (replace | delete | merge),
// $retainKeys, $deleteFromPrimitiveList/<field>, $setElementOrder/<field>.
import { ApiError, errors } from '../errors.js';
import { strategies, type PatchMetaLookup } from './meta.js';
import { clone, deepEqual, goFormat, isPlainObject, type Obj } from './values.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_PREFIX = '$deleteFromPrimitiveList/';
const ORDER_PREFIX = '$setElementOrder/';

// Kubernetes answers 400 for malformed directives and a reason-less 500 for other merge failures (an unknown
// $patch, a list item without its merge key: interpretStrategicMergePatchError passes them on unchanged). They
// are the client's mistakes, and every bad request must get a 4xx here: we answer 400 BadRequest with the
// library's message instead (kubectl prints "Error from server (BadRequest): map: map[image:x] does not contain
// declared merge key: name").
const badFormat = (what: string) => errors.badRequest(`invalid patch format of ${what}`);
const mergeError = (message: string) => errors.badRequest(message);
const noMergeKey = (m: Obj, key: string) => mergeError(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
const badPatchType = (t: unknown, m: Obj) => mergeError(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`);

/** Applies a strategic merge patch to a copy of `doc`. Throws ApiError as Kubernetes answers. */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, meta: PatchMetaLookup): unknown {
  if (!isPlainObject(patch)) {
    throw errors.badRequest(`json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch} into Go value of type map[string]interface {}`);
  }
  const original = isPlainObject(doc) ? clone(doc) : {};
  return mergeMap(original, clone(patch), [], meta);
}

function mergeMap(original: Obj | undefined, patch: Obj, path: string[], meta: PatchMetaLookup): Obj {
  if (DIRECTIVE in patch) {
    const d = patch[DIRECTIVE];
    if (d === 'replace') {
      delete patch[DIRECTIVE];
      return mergeMap(undefined, patch, path, meta);
    }
    // Like apimachinery, a map knows only replace and delete ("merge" is refused there too).
    if (d === 'delete') return {};
    throw badPatchType(d, patch);
  }
  const out: Obj = original ?? {};
  applyRetainKeys(out, patch);

  // Lists named by $setElementOrder are merged together with their order first.
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(ORDER_PREFIX)) continue;
    const order = patch[key];
    delete patch[key];
    const field = key.slice(ORDER_PREFIX.length);
    if (!field || !Array.isArray(order)) throw badFormat('setElementOrder list');
    mergeOrderedList(out, patch, field, order, [...path, field], meta);
  }

  const deletions: [string, unknown][] = [];
  for (const [key, pv] of Object.entries(patch)) {
    if (key.startsWith(DELETE_PREFIX)) {
      deletions.push([key, pv]);
      continue;
    }
    if (pv === null) {
      delete out[key];
      continue;
    }
    const ov = out[key];
    const childPath = [...path, key];
    if (isPlainObject(pv)) {
      const replace = strategies(meta(childPath)).includes('replace');
      out[key] = mergeMap(isPlainObject(ov) && !replace ? ov : undefined, pv, childPath, meta);
    } else if (Array.isArray(pv)) {
      out[key] = mergeListField(Array.isArray(ov) ? ov : undefined, pv, childPath, meta);
    } else {
      out[key] = pv;
    }
  }
  // Deletions from primitive lists run after the merges, as when Kubernetes pairs them with $setElementOrder.
  for (const [key, pv] of deletions) {
    const field = key.slice(DELETE_PREFIX.length);
    if (!field || !Array.isArray(pv)) throw badFormat('primitive list');
    const ov = out[field];
    if (!Array.isArray(ov)) continue;
    out[field] = ov.filter((x) => !pv.some((d) => deepEqual(d, x)));
  }
  return out;
}

function applyRetainKeys(original: Obj, patch: Obj): void {
  if (!(RETAIN_KEYS in patch)) return;
  const keep = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(keep)) throw badFormat('retainKeys');
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_PREFIX) || k.startsWith(ORDER_PREFIX)) continue;
    if (!keep.includes(k)) throw badFormat('retainKeys');
  }
  for (const k of Object.keys(original)) if (!keep.includes(k)) delete original[k];
}

/** A list-valued patch field: merged when its strategy says so, else replaced. */
function mergeListField(original: unknown[] | undefined, patch: unknown[], path: string[], meta: PatchMetaLookup): unknown[] {
  const m = meta(path);
  if (!strategies(m).includes('merge')) return stripDirectivesFromList(patch, path, meta);
  return mergeList(original ?? [], patch, m?.mergeKey ?? '', path, meta);
}

/** A replaced list still must not keep directives or nulls inside its maps. */
function stripDirectivesFromList(list: unknown[], path: string[], meta: PatchMetaLookup): unknown[] {
  return list.filter((x) => !(isPlainObject(x) && DIRECTIVE in x)).map((x) => (isPlainObject(x) ? mergeMap(undefined, x, path, meta) : x));
}

function itemKind(list: unknown[]): 'map' | 'scalar' | 'list' | undefined {
  const first = list[0];
  if (first === undefined) return undefined;
  return isPlainObject(first) ? 'map' : Array.isArray(first) ? 'list' : 'scalar';
}

function elementKind(original: unknown[], patch: unknown[]): 'map' | 'scalar' | undefined {
  const kinds = new Set([...original, ...patch].map((x) => (isPlainObject(x) ? 'map' : Array.isArray(x) ? 'list' : 'scalar')));
  // ErrNoListOfLists is answered with the generic 422, as Kubernetes does.
  if (kinds.has('list')) throw new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
  if (kinds.size > 1) throw mergeError('the elements of a list to merge must all have the same type');
  return kinds.has('map') ? 'map' : kinds.size ? 'scalar' : undefined;
}

function mergeList(original: unknown[], patch: unknown[], mergeKey: string, path: string[], meta: PatchMetaLookup): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  let merged: unknown[];
  let patchItems = patch;
  let base = original;
  if (kind !== 'map') {
    merged = [...original];
    for (const x of patch) if (!merged.some((y) => deepEqual(x, y))) merged.push(x);
  } else {
    if (!mergeKey) throw mergeError(`cannot merge lists without merge key for ${path.join('.')}`);
    const special = applySpecialElements(original, patch as Obj[], mergeKey);
    if (special.replace) return special.rest.map((x) => mergeMap(undefined, x, path, meta));
    base = special.original;
    patchItems = special.rest;
    merged = [...base];
    for (const item of special.rest) {
      const i = merged.findIndex((o) => isPlainObject(o) && keyEqual(o[mergeKey], item[mergeKey]));
      merged[i >= 0 ? i : merged.length] = mergeMap(i >= 0 ? (merged[i] as Obj) : undefined, item, path, meta);
    }
  }
  return orderList(merged, patchItems, base, mergeKey);
}

/** $patch elements inside a list of maps: delete by key, or replace the whole list. */
function applySpecialElements(original: unknown[], patch: Obj[], mergeKey: string): { original: unknown[]; rest: Obj[]; replace: boolean } {
  const rest: Obj[] = [];
  let replace = false;
  let kept = original;
  for (const item of patch) {
    if (!(DIRECTIVE in item)) {
      if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
      rest.push(item);
      continue;
    }
    const d = item[DIRECTIVE];
    if (d === 'delete') {
      if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
      kept = kept.filter((o) => !(isPlainObject(o) && keyEqual(o[mergeKey], item[mergeKey])));
    } else if (d === 'replace') replace = true;
    else if (d === 'merge') throw mergeError('merging lists cannot yet be specified in the patch');
    else throw badPatchType(d, item);
  }
  return { original: kept, rest, replace };
}

const keyEqual = (a: unknown, b: unknown) => a !== undefined && deepEqual(a, b);

function inList(list: unknown[], item: unknown, mergeKey: string): number {
  if (!mergeKey) return list.findIndex((x) => deepEqual(x, item));
  const v = isPlainObject(item) ? item[mergeKey] : undefined;
  return list.findIndex((x) => isPlainObject(x) && keyEqual(x[mergeKey], v));
}

/**
 * Kubernetes' normalizeElementOrder: items named by `patchOrder` follow that order, the others (server-only)
 * keep their live order, and the two runs interleave by their positions in the live list.
 */
function orderList(merged: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string): unknown[] {
  const fromPatch = merged.filter((x) => inList(patchOrder, x, mergeKey) >= 0);
  const serverOnly = merged.filter((x) => inList(patchOrder, x, mergeKey) < 0);
  const byOrder = (order: unknown[]) => (a: unknown, b: unknown) => {
    const ia = inList(order, a, mergeKey);
    const ib = inList(order, b, mergeKey);
    return ia >= 0 && ib >= 0 ? ia - ib : 0;
  };
  fromPatch.sort(byOrder(patchOrder));
  serverOnly.sort(byOrder(serverOrder));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < fromPatch.length) {
    if (j >= fromPatch.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(fromPatch[j++]);
    else {
      const li = inList(serverOrder, serverOnly[i], mergeKey);
      const ri = inList(serverOrder, fromPatch[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
      else out.push(fromPatch[j++]);
    }
  }
  return out;
}

/** A list paired with $setElementOrder/<field>: merge (when both sides have it), then order by the directive. */
function mergeOrderedList(out: Obj, patch: Obj, field: string, order: unknown[], path: string[], meta: PatchMetaLookup): void {
  const ov = out[field];
  const pv = patch[field];
  delete patch[field];
  if (ov === undefined && (pv === undefined || pv === null)) return;
  if (ov !== undefined && !Array.isArray(ov)) throw badFormat('setElementOrder list');
  if (pv !== undefined && pv !== null && !Array.isArray(pv)) throw badFormat('setElementOrder list');
  if (pv === null) {
    delete out[field];
    return;
  }
  const m = meta(path);
  const mergeKey = m?.mergeKey ?? '';
  let merged: unknown[];
  if (pv === undefined) merged = ov as unknown[];
  else merged = mergeListField(ov as unknown[] | undefined, pv, path, meta);
  if (mergeKey && itemKind(order) === 'map') {
    for (const o of order) if (!isPlainObject(o) || !(mergeKey in o)) throw noMergeKey(isPlainObject(o) ? o : {}, mergeKey);
  }
  out[field] = orderList(merged, order, (ov as unknown[] | undefined) ?? [], mergeKey);
}
