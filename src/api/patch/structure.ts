// Walks objects the way structured-merge-diff does, with patch metadata standing in for the schema:
// maps and structs are granular unless marked atomic; lists are atomic, sets (v:) or associative (k:).
import { errors } from '../errors.js';
import { FieldSet, fieldPE, keyPE, pathString, valuePE } from './fieldset.js';
import { listKeys, listKind, type PatchMeta, type PatchMetaLookup } from './meta.js';
import { deepEqual, isPlainObject, type Obj } from './values.js';

export interface Walk {
  meta: PatchMetaLookup;
  /** For error messages: "apps/v1, Kind=Deployment". */
  gvk?: string;
}

const atomicMap = (m: PatchMeta | undefined) => m?.mapType === 'atomic';
const isEmptyObj = (v: unknown) => isPlainObject(v) && Object.keys(v).length === 0;

/** The path element of a list item, or an error when an associative item lacks a key. */
export function itemPE(item: unknown, index: number, m: PatchMeta | undefined, setPath: readonly string[], w: Walk): string {
  const kind = listKind(m);
  if (kind === 'set') return valuePE(item);
  if (kind !== 'map') return `i:${index}`;
  const keys: Record<string, unknown> = {};
  for (const k of listKeys(m)) {
    const v = isPlainObject(item) ? item[k] : undefined;
    const d = m?.listMapKeyDefaults?.[k];
    if (v !== undefined && v !== null) keys[k] = v;
    else if (d !== undefined) keys[k] = d;
    else {
      throw errors.badRequest(
        `failed to create typed patch object (${w.gvk ?? ''}): ${pathString(setPath)}: element ${index}: associative list with keys has an element that omits key field "${k}" (and doesn't have default value)`,
      );
    }
  }
  return keyPE(keys);
}

/** The fields an applied configuration sets (structured-merge-diff's ToFieldSet). */
export function toFieldSet(obj: unknown, w: Walk): FieldSet {
  const set = new FieldSet();
  const visit = (v: unknown, setPath: string[], fieldPath: string[], m: PatchMeta | undefined): void => {
    if (isPlainObject(v)) {
      if (setPath.length > 0 && atomicMap(m)) return void set.insert(setPath);
      for (const [k, cv] of Object.entries(v)) {
        const cp = [...setPath, fieldPE(k)];
        const cf = [...fieldPath, k];
        visit(cv, cp, cf, w.meta(cf));
        if (cv === null || isEmptyObj(cv)) set.insert(cp);
      }
    } else if (Array.isArray(v)) {
      const kind = listKind(m);
      if (kind === 'atomic') return void set.insert(setPath);
      v.forEach((item, i) => {
        const ip = [...setPath, itemPE(item, i, m, setPath, w)];
        if (kind === 'map' && isPlainObject(item)) visit(item, ip, fieldPath, undefined);
        set.insert(ip);
      });
    } else {
      set.insert(setPath);
    }
  };
  visit(obj, [], [], undefined);
  return set;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * What changed from `lhs` to `rhs`: leaves added, modified and removed, plus map nodes and list items that
 * appear or disappear (those are what make Kubernetes' ".": {} markers).
 */
export function compare(lhs: unknown, rhs: unknown, w: Walk): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  const visit = (l: unknown, r: unknown, setPath: string[], fieldPath: string[], m: PatchMeta | undefined): void => {
    if (l === undefined && r === undefined) return;
    const objs = (l === undefined || isPlainObject(l)) && (r === undefined || isPlainObject(r));
    const lists = (l === undefined || Array.isArray(l)) && (r === undefined || Array.isArray(r));
    const bothEmpty = (l === undefined || isEmptyObj(l) || (Array.isArray(l) && l.length === 0)) && (r === undefined || isEmptyObj(r) || (Array.isArray(r) && r.length === 0));
    if (objs && (setPath.length === 0 || (!atomicMap(m) && !bothEmpty))) {
      if (setPath.length > 0) {
        if (l === undefined) c.added.insert(setPath);
        if (r === undefined) c.removed.insert(setPath);
      }
      const lo = (l ?? {}) as Obj;
      const ro = (r ?? {}) as Obj;
      for (const k of new Set([...Object.keys(lo), ...Object.keys(ro)])) {
        const cf = [...fieldPath, k];
        visit(lo[k], ro[k], [...setPath, fieldPE(k)], cf, w.meta(cf));
      }
      return;
    }
    if (lists && !bothEmpty && listKind(m) !== 'atomic') {
      const index = (list: unknown[] | undefined) => {
        const out = new Map<string, unknown>();
        (list ?? []).forEach((item, i) => out.set(itemPE(item, i, m, setPath, w), item));
        return out;
      };
      const li = index(l as unknown[] | undefined);
      const ri = index(r as unknown[] | undefined);
      for (const pe of new Set([...li.keys(), ...ri.keys()])) {
        visit(li.get(pe), ri.get(pe), [...setPath, pe], fieldPath, undefined);
      }
      return;
    }
    // A leaf: scalars, atomic values, empty maps and lists, type changes.
    if (l === undefined) c.added.insert(setPath);
    else if (r === undefined) c.removed.insert(setPath);
    else if (!deepEqual(l, r)) c.modified.insert(setPath);
  };
  visit(lhs, rhs, [], [], undefined);
  return c;
}

/** structured-merge-diff's merge of an applied configuration into the live object. */
export function mergeApplied(live: unknown, applied: unknown, w: Walk): unknown {
  const visit = (l: unknown, r: unknown, setPath: string[], fieldPath: string[], m: PatchMeta | undefined): unknown => {
    if (r === undefined) return l;
    if (isPlainObject(l) && isPlainObject(r) && (setPath.length === 0 || !atomicMap(m))) {
      const out: Obj = { ...l };
      for (const [k, rv] of Object.entries(r)) {
        const cf = [...fieldPath, k];
        const v = visit(l[k], rv, [...setPath, fieldPE(k)], cf, w.meta(cf));
        // An applied null owns the field but leaves it unset, as Go's decoding does.
        if (v === null) delete out[k];
        else out[k] = v;
      }
      return out;
    }
    if (Array.isArray(l) && Array.isArray(r) && listKind(m) !== 'atomic') {
      return mergeList(l, r, setPath, m, w, (li, ri, pe) => visit(li, ri, [...setPath, pe], fieldPath, undefined));
    }
    return r;
  };
  return visit(live, applied, [], [], undefined);
}

/**
 * Associative and set lists: live-only items keep their places, applied items come in applied order, and a
 * shared item merges in place (close to structured-merge-diff's ordering).
 */
function mergeList(
  l: unknown[],
  r: unknown[],
  setPath: string[],
  m: PatchMeta | undefined,
  w: Walk,
  mergeItem: (l: unknown, r: unknown, pe: string) => unknown,
): unknown[] {
  const lpes = l.map((x, i) => itemPE(x, i, m, setPath, w));
  const rpes = r.map((x, i) => itemPE(x, i, m, setPath, w));
  const rset = new Set(rpes);
  const out: unknown[] = [];
  let ri = 0;
  const emitRhsThrough = (pe: string | undefined) => {
    while (ri < r.length) {
      const cur = rpes[ri]!;
      const li = lpes.indexOf(cur);
      out.push(mergeItem(li >= 0 ? l[li] : undefined, r[ri], cur));
      ri++;
      if (cur === pe) return;
    }
  };
  lpes.forEach((pe, i) => {
    if (!rset.has(pe)) out.push(l[i]);
    else if (rpes.indexOf(pe) >= ri) emitRhsThrough(pe);
  });
  emitRhsThrough(undefined);
  return out;
}

/** Removes the node at `path` from `obj` (in place). Lists and maps it leaves empty are dropped too. */
export function removePath(obj: unknown, path: readonly string[], w: Walk): void {
  // Each step remembers its container's field path: list items share their list's path.
  const chain: { container: unknown; pe: string; fieldPath: string[] }[] = [];
  let cur: unknown = obj;
  let fieldPath: string[] = [];
  for (const pe of path) {
    chain.push({ container: cur, pe, fieldPath });
    const i = locate(cur, pe, fieldPath, w);
    if (i === undefined) return;
    if (pe.startsWith('f:')) fieldPath = [...fieldPath, pe.slice(2)];
    cur = (cur as Record<string | number, unknown>)[i];
  }
  for (let n = chain.length - 1; n >= 0; n--) {
    const { container, pe, fieldPath: fp } = chain[n]!;
    const i = locate(container, pe, fp, w);
    if (i === undefined) return;
    if (Array.isArray(container)) container.splice(i as number, 1);
    else delete (container as Obj)[i];
    const emptyNow = (Array.isArray(container) && container.length === 0) || isEmptyObj(container);
    if (!emptyNow || n === 0) return;
  }
}

/** The key or index that `pe` names inside `container`. */
function locate(container: unknown, pe: string, fieldPath: string[], w: Walk): string | number | undefined {
  if (pe.startsWith('f:')) {
    const k = pe.slice(2);
    return isPlainObject(container) && k in container ? k : undefined;
  }
  if (!Array.isArray(container)) return undefined;
  if (pe.startsWith('i:')) return Number(pe.slice(2)) < container.length ? Number(pe.slice(2)) : undefined;
  const m = w.meta(fieldPath);
  const i = container.findIndex((x, n) => {
    try {
      return itemPE(x, n, m, [], w) === pe;
    } catch {
      return false;
    }
  });
  return i < 0 ? undefined : i;
}
