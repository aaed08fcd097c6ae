// Large lists without re-encoding: a stored value is already the object's JSON (written by toStore, so
// compact and without metadata.resourceVersion). A list answer splices each value's text, adding the
// resourceVersion where fromStore puts it, instead of JSON.parse + JSON.stringify per item. The list object
// keeps `items` as a lazy getter, so Tables, YAML and in-process readers still see parsed objects.
import type { KubeObject } from '../api/object.js';
import type { KeyValue } from '../store/types.js';

const RAW = Symbol('rawListItems');

type RawList = KubeObject & { [RAW]?: string[] };

/**
 * The text JSON.stringify(fromStore(kv, ...)) gives, or undefined when the value is not in the shape this
 * fast path knows (the caller then parses it): it must start with the expected apiVersion and kind, then
 * metadata, and hold no "resourceVersion" key anywhere (so there is none to overwrite). fromStore puts the
 * resourceVersion first in metadata, so the splice is at a known place and needs no scan of the object.
 */
export function spliceStoredItem(kv: KeyValue, apiVersion: string, kind: string): string | undefined {
  const v = kv.value;
  const av = `"apiVersion":${JSON.stringify(apiVersion)}`;
  const k = `"kind":${JSON.stringify(kind)}`;
  // toStore writes apiVersion first; values stored before it did may have kind first (client-go's order).
  let head = `{${av},${k},"metadata":{`;
  if (!v.startsWith(head)) head = `{${k},${av},"metadata":{`;
  if (!v.startsWith(head)) return undefined;
  if (v.includes('"resourceVersion":')) return undefined;
  const at = head.length;
  return `${v.slice(0, at)}"resourceVersion":"${kv.modRevision}"${v[at] === '}' ? '' : ','}${v.slice(at)}`;
}

/** A list object whose items are given as JSON texts; `items` parses them on first use. */
export function rawList(kind: string, apiVersion: string, metadata: Record<string, unknown>, texts: string[]): KubeObject {
  const list: RawList = { kind, apiVersion, metadata };
  let parsed: KubeObject[] | undefined;
  Object.defineProperty(list, 'items', {
    enumerable: true,
    configurable: true,
    get: () => {
      // Whoever reads the items may change them: from then on the list is encoded from the objects.
      delete list[RAW];
      return (parsed ??= texts.map((t) => JSON.parse(t) as KubeObject));
    },
    set: (v: KubeObject[]) => {
      parsed = v;
      delete list[RAW];
    },
  });
  Object.defineProperty(list, RAW, { value: texts, enumerable: false, configurable: true, writable: true });
  return list;
}

/** The JSON of a list made by rawList (the same bytes JSON.stringify gives), or undefined for any other body. */
export function rawListJson(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const texts = (body as RawList)[RAW];
  if (!texts) return undefined;
  const l = body as RawList;
  return `{"kind":${JSON.stringify(l.kind)},"apiVersion":${JSON.stringify(l.apiVersion)},"metadata":${JSON.stringify(l.metadata)},"items":[${texts.join(',')}]}`;
}
