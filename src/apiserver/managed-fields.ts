// managedFields as Kubernetes records them for Update operations: one entry per (manager, operation,
// apiVersion, subresource), holding the set of fields that manager last wrote, in FieldsV1 form
// ({"f:metadata":{"f:labels":{".":{},"f:app":{}}}}). Lists are kept atomic here; server-side apply (the patch
// module) refines them.
import type { KubeObject, ManagedFieldsEntry } from '../api/object.js';
import { isPlainObject } from '../api/object.js';

type FieldSet = Record<string, unknown>;

const SKIP_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName']);

/** The fields set in `obj`, or only those that differ from `old` when it is given. */
export function changedFields(obj: unknown, old: unknown, top = true): FieldSet {
  const out: FieldSet = {};
  if (!isPlainObject(obj)) return out;
  for (const [k, v] of Object.entries(obj)) {
    if (top && (k === 'apiVersion' || k === 'kind' || k === 'status')) continue;
    if (top && k === 'metadata') {
      if (!isPlainObject(v)) continue;
      const meta: FieldSet = {};
      const oldMeta = isPlainObject(old) && isPlainObject(old['metadata']) ? old['metadata'] : undefined;
      for (const [mk, mv] of Object.entries(v)) {
        if (SKIP_META.has(mk)) continue;
        const sub = leafOrNested(mv, oldMeta?.[mk], old !== undefined);
        if (sub) meta[`f:${mk}`] = sub;
      }
      if (Object.keys(meta).length > 0) out['f:metadata'] = meta;
      continue;
    }
    const sub = leafOrNested(v, isPlainObject(old) ? old[k] : undefined, old !== undefined);
    if (sub) out[`f:${k}`] = sub;
  }
  return out;
}

function leafOrNested(v: unknown, old: unknown, diff: boolean): FieldSet | undefined {
  if (diff && JSON.stringify(v) === JSON.stringify(old)) return undefined;
  if (isPlainObject(v)) {
    const inner = changedFields(v, isPlainObject(old) ? old : diff ? {} : undefined, false);
    return { '.': {}, ...inner };
  }
  return {};
}

function removeFields(from: FieldSet, remove: FieldSet): FieldSet {
  const out: FieldSet = {};
  for (const [k, v] of Object.entries(from)) {
    const r = remove[k];
    if (r === undefined) out[k] = v;
    else if (isPlainObject(v) && isPlainObject(r) && Object.keys(r).some((x) => x !== '.')) {
      const rest = removeFields(v, r);
      if (Object.keys(rest).length > 0) out[k] = rest;
    }
  }
  return out;
}

function mergeFields(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = isPlainObject(cur) && isPlainObject(v) ? mergeFields(cur, v) : v;
  }
  return out;
}

export interface ManagerOp {
  manager: string;
  apiVersion: string;
  time: string;
  subresource?: string;
}

/** Records an Update by `op.manager` that turned `old` (absent on create) into `obj`. */
export function recordUpdate(obj: KubeObject, old: KubeObject | undefined, op: ManagerOp): void {
  const changed = changedFields(obj, old);
  const entries: ManagedFieldsEntry[] = (old?.metadata?.managedFields ?? []).map((e) => ({ ...e }));
  if (Object.keys(changed).length === 0 && old) {
    obj.metadata = { ...obj.metadata, managedFields: entries.length > 0 ? entries : undefined };
    if (!obj.metadata.managedFields) delete obj.metadata.managedFields;
    return;
  }
  // Fields this manager now owns are no longer owned by the others' Update entries.
  const kept: ManagedFieldsEntry[] = [];
  let mine: ManagedFieldsEntry | undefined;
  for (const e of entries) {
    const same = e.manager === op.manager && e.operation === 'Update' && e.apiVersion === op.apiVersion && (e.subresource ?? '') === (op.subresource ?? '');
    if (same) {
      mine = e;
      continue;
    }
    if (e.operation === 'Update' && e.fieldsV1) {
      e.fieldsV1 = removeFields(e.fieldsV1, changed);
      if (Object.keys(e.fieldsV1).length === 0) continue;
    }
    kept.push(e);
  }
  const entry: ManagedFieldsEntry = {
    manager: op.manager,
    operation: 'Update',
    apiVersion: op.apiVersion,
    time: op.time,
    fieldsType: 'FieldsV1',
    fieldsV1: mergeFields(mine?.fieldsV1 ?? {}, changed),
  };
  if (op.subresource) entry.subresource = op.subresource;
  kept.push(entry);
  obj.metadata = { ...obj.metadata, managedFields: kept };
}

/** The manager name: the fieldManager parameter, else the User-Agent up to its first "/" (as Kubernetes). */
export function managerName(fieldManager: string | null, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  const ua = userAgent ?? '';
  const i = ua.indexOf('/');
  return (i >= 0 ? ua.slice(0, i) : ua).slice(0, 128) || 'unknown';
}
