// managedFields entries <-> owner sets. One entry per manager identity: Apply entries by (manager,
// subresource), Update entries by (manager, apiVersion, subresource), as apiserver's fieldmanager keys them.
import type { ManagedFieldsEntry } from '../object.js';
import { FieldSet } from './fieldset.js';
import { clone, isPlainObject, type Obj } from './values.js';

export interface Owner {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

export function ownerId(o: Pick<Owner, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([o.manager, o.operation, o.operation === 'Update' ? o.apiVersion : '', o.subresource ?? '']);
}

/** Entries that name no manager (a client's `[{}]` reset) are dropped. */
export function decodeManagedFields(entries: unknown): Owner[] {
  if (!Array.isArray(entries)) return [];
  const out: Owner[] = [];
  for (const e of entries) {
    if (!isPlainObject(e) || typeof e['manager'] !== 'string' || !e['manager']) continue;
    const op = e['operation'] === 'Apply' ? 'Apply' : 'Update';
    out.push({
      manager: e['manager'],
      operation: op,
      apiVersion: typeof e['apiVersion'] === 'string' ? e['apiVersion'] : '',
      subresource: typeof e['subresource'] === 'string' && e['subresource'] ? e['subresource'] : undefined,
      time: typeof e['time'] === 'string' ? e['time'] : undefined,
      set: FieldSet.fromFieldsV1(e['fieldsV1']),
    });
  }
  return out;
}

const seconds = (t: string | undefined) => (t ? Math.floor(Date.parse(t) / 1000) : 0);

/** Encodes owners as Kubernetes does: empty sets dropped, sorted by operation, time, manager, version, subresource. */
export function encodeManagedFields(owners: Owner[]): ManagedFieldsEntry[] {
  const live = owners.filter((o) => !o.set.empty());
  live.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
  return live.map((o) => {
    const e: ManagedFieldsEntry = { manager: o.manager, operation: o.operation, apiVersion: o.apiVersion };
    if (o.time) e.time = o.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = o.set.toFieldsV1();
    if (o.subresource) e.subresource = o.subresource;
    return e;
  });
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** RFC 3339 with whole seconds, as metav1.Time serializes. */
export function formatTime(now: Date | string): string {
  return new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Fields no manager owns (apiserver's fieldmanager strips them from every set).
const SYSTEM_META = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/** A copy without the fields that are never tracked, nor the caller's ignored paths (status, for example). */
export function trackedPart(obj: unknown, ignore: readonly (readonly string[])[] = []): Obj {
  const out = isPlainObject(obj) ? (clone(obj) as Obj) : {};
  delete out['apiVersion'];
  delete out['kind'];
  const meta = out['metadata'];
  if (isPlainObject(meta)) {
    for (const k of SYSTEM_META) delete meta[k];
    if (Object.keys(meta).length === 0) delete out['metadata'];
  }
  for (const path of ignore) {
    let cur: unknown = out;
    path.forEach((k, i) => {
      if (!isPlainObject(cur)) return;
      if (i === path.length - 1) delete cur[k];
      else cur = cur[k];
    });
  }
  return out;
}
