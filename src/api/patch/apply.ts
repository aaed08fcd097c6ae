// Server-side apply and the managedFields bookkeeping of ordinary writes, after structured-merge-diff's
// Updater and apiserver's fieldmanager: every manager owns a set of fields; an apply merges the applied
// configuration into the live object, removes the fields its manager applied last time and nobody owns now,
// and fails with 409 when it would change a field another manager owns (unless forced, which takes it over).
import { ApiError, errors } from '../errors.js';
import type { KubeObject, ManagedFieldsEntry } from '../object.js';
import { FieldSet, pathString } from './fieldset.js';
import { decodeManagedFields, encodeManagedFields, formatTime, ownerId, trackedPart, type Owner } from './managed.js';
import type { PatchMetaLookup } from './meta.js';
import { compare, mergeApplied, removePath, toFieldSet, type Walk } from './structure.js';
import { clone, deepEqual, isPlainObject } from './values.js';

export interface ApplyOptions {
  /** The stored object; undefined when the apply creates it. */
  live: KubeObject | undefined;
  /** The applied configuration (the request body). */
  applied: KubeObject;
  /** fieldManager: required for apply. */
  manager: string;
  force?: boolean;
  now: Date | string;
  /** The version the configuration was written in; defaults to applied.apiVersion. */
  apiVersion?: string;
  meta: PatchMetaLookup;
  subresource?: string;
  /** Field paths nobody owns through this endpoint, e.g. [["status"]] on the main resource. */
  ignore?: string[][];
}

export interface WriteResult {
  /** The new object, with metadata.managedFields set. */
  object: KubeObject;
  managedFields: ManagedFieldsEntry[];
  /** False when the object's content (managedFields aside) did not change. */
  changed: boolean;
}

const gvkOf = (o: KubeObject, apiVersion: string) => {
  const [g, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return `${g ? `${g}/` : ''}${v}, Kind=${o.kind ?? ''}`;
};

function withManagedFields(obj: KubeObject, entries: ManagedFieldsEntry[]): KubeObject {
  const out = clone(obj);
  const meta = { ...(out.metadata ?? {}) };
  if (entries.length > 0) meta.managedFields = entries;
  else delete meta.managedFields;
  out.metadata = meta;
  return out;
}

function withoutManagedFields(obj: KubeObject | undefined): KubeObject {
  const out = clone(obj ?? {});
  if (out.metadata) {
    out.metadata = { ...out.metadata };
    delete out.metadata.managedFields;
  }
  return out;
}

/** Kubernetes' printManager: "name", "name" with subresource "status", "name" using apps/v1. */
function describeOwner(o: Owner): string {
  let s = JSON.stringify(o.manager);
  if (o.subresource) s += ` with subresource ${JSON.stringify(o.subresource)}`;
  if (o.operation === 'Update') s += ` using ${o.apiVersion}`;
  return s;
}

function conflictError(conflicts: { owner: Owner; path: string[] }[]): ApiError {
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeOwner(c.owner)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    const c = conflicts[0]!;
    message = `Apply failed with 1 conflict: conflict with ${describeOwner(c.owner)}: ${pathString(c.path)}`;
  } else {
    const lines: string[] = [];
    const byOwner = new Map<string, { owner: Owner; paths: string[][] }>();
    for (const c of conflicts) {
      const id = ownerId(c.owner);
      if (!byOwner.has(id)) byOwner.set(id, { owner: c.owner, paths: [] });
      byOwner.get(id)!.paths.push(c.path);
    }
    for (const { owner, paths } of byOwner.values()) {
      lines.push(`conflicts with ${describeOwner(owner)}:`);
      for (const p of paths) lines.push(`- ${pathString(p)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}

/**
 * An object stored without managedFields gets them attributed to "before-first-apply" on its first apply, so
 * that the applier cannot silently take over values somebody else wrote.
 */
function ownersOf(live: KubeObject | undefined, w: Walk, ignore: string[][], apiVersion: string, now: string): Owner[] {
  const owners = decodeManagedFields(live?.metadata?.managedFields);
  if (owners.length > 0 || !live || Object.keys(trackedPart(live, ignore)).length === 0) return owners;
  const c = compare({}, trackedPart(live, ignore), w);
  return [{ manager: 'before-first-apply', operation: 'Update', apiVersion: live.apiVersion ?? apiVersion, time: now, set: updateSet(c.added) }];
}

/** f:name directly under k:{"name":...}: removing it would leave an item nobody can address. */
function isKeyField(path: string[]): boolean {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (!last?.startsWith('f:') || !parent?.startsWith('k:')) return false;
  return Object.prototype.hasOwnProperty.call(JSON.parse(parent.slice(2)) as object, last.slice(2));
}

/** Server-side apply. Throws ApiError: 400 for a bad configuration, 409 Conflict naming the owners. */
export function serverSideApply(opts: ApplyOptions): WriteResult {
  const { applied, manager, meta } = opts;
  if (!isPlainObject(applied)) throw errors.badRequest('error decoding YAML: the applied configuration must be an object');
  if (applied.metadata?.managedFields !== undefined && applied.metadata?.managedFields !== null) {
    throw errors.badRequest('metadata.managedFields must be nil');
  }
  const ignore = opts.ignore ?? [];
  const apiVersion = opts.apiVersion ?? applied.apiVersion ?? opts.live?.apiVersion ?? '';
  const w: Walk = { meta, gvk: gvkOf(applied, apiVersion) };
  const now = formatTime(opts.now);
  const live = withoutManagedFields(opts.live);

  const owners = ownersOf(opts.live, w, ignore, apiVersion, now);
  const me = { manager, operation: 'Apply' as const, apiVersion, subresource: opts.subresource };
  const myId = ownerId(me);
  const previous = owners.find((o) => ownerId(o) === myId);
  const others = owners.filter((o) => ownerId(o) !== myId);

  const appliedSet = toFieldSet(trackedPart(applied, ignore), w);
  const merged = mergeApplied(live, applied, w) as KubeObject;

  // Fields applied last time and not now go, unless someone (this apply included) still owns them.
  if (previous) {
    const stillOwned = others.reduce((acc, o) => acc.union(o.set), appliedSet);
    const gone = previous.set.difference(stillOwned);
    // Parents first: an item nobody owns anything in goes whole; an item that stays keeps its key fields.
    for (const path of gone.paths()) {
      if (!stillOwned.hasBelow(path) && !isKeyField(path)) removePath(merged, path, w);
    }
  }

  const diff = compare(trackedPart(live, ignore), trackedPart(merged, ignore), w);
  const touched = diff.added.union(diff.modified);
  const conflicts: { owner: Owner; path: string[] }[] = [];
  for (const o of others) {
    for (const path of o.set.intersection(touched).paths()) conflicts.push({ owner: o, path });
  }
  if (conflicts.length > 0 && !opts.force) {
    conflicts.sort((a, b) => (a.owner.manager < b.owner.manager ? -1 : a.owner.manager > b.owner.manager ? 1 : 0));
    throw conflictError(conflicts);
  }
  // Forcing takes the conflicting fields over; removed fields leave every owner.
  const next: Owner[] = others.map((o) => ({ ...o, set: o.set.difference(touched).difference(diff.removed) }));
  const changed = !deepEqual(live, merged);
  next.push({ ...me, time: changed || !previous?.time ? now : previous.time, set: appliedSet });

  const managedFields = encodeManagedFields(next);
  return { object: withManagedFields(merged, managedFields), managedFields, changed };
}

export interface UpdateOptions {
  /** The stored object; undefined on create. */
  old: KubeObject | undefined;
  /** The object about to be stored (after the update or patch). */
  updated: KubeObject;
  manager: string;
  operation?: 'Update';
  subresource?: string;
  now: Date | string;
  /** The version the request spoke; defaults to updated.apiVersion. */
  apiVersion?: string;
  meta: PatchMetaLookup;
  ignore?: string[][];
}

// Structs that are never absent in a Go object, so Kubernetes never records them as added (no "." marker).
const ALWAYS_PRESENT = new Set(['f:metadata', 'f:spec', 'f:status', 'f:template', 'f:jobTemplate', 'f:strategy', 'f:updateStrategy', 'f:resources']);

/** Added nodes as an Update records them: leaves, list items and maps, minus always-present structs. */
function updateSet(added: FieldSet): FieldSet {
  const out = new FieldSet();
  for (const path of added.paths()) {
    const last = path[path.length - 1]!;
    if (ALWAYS_PRESENT.has(last) && added.hasBelow(path)) continue;
    out.insert(path);
  }
  return out;
}

/**
 * managedFields for create, update and the non-apply patches: the manager's Update entry gains the fields this
 * write changed; other managers lose them. A client may replace managedFields by sending different ones.
 */
export function recordUpdate(opts: UpdateOptions): WriteResult {
  const { updated, manager, meta } = opts;
  const ignore = opts.ignore ?? [];
  const apiVersion = opts.apiVersion ?? updated.apiVersion ?? opts.old?.apiVersion ?? '';
  const w: Walk = { meta, gvk: gvkOf(updated, apiVersion) };
  const now = formatTime(opts.now);

  const sent = updated.metadata?.managedFields;
  const kept = opts.old?.metadata?.managedFields;
  const clientReset = Array.isArray(sent) && sent.length > 0 && !deepEqual(sent, kept);
  const owners = decodeManagedFields(clientReset ? sent : kept);

  const oldPart = trackedPart(withoutManagedFields(opts.old), ignore);
  const newPart = trackedPart(withoutManagedFields(updated), ignore);
  const diff = compare(opts.old ? oldPart : {}, newPart, w);
  const changedSet = updateSet(diff.added).union(diff.modified);
  const touched = diff.added.union(diff.modified).union(diff.removed);

  const me = { manager, operation: 'Update' as const, apiVersion, subresource: opts.subresource };
  const myId = ownerId(me);
  const next: Owner[] = [];
  let mine: Owner | undefined;
  for (const o of owners) {
    if (ownerId(o) === myId) mine = o;
    else next.push({ ...o, set: o.set.difference(touched) });
  }
  if (!changedSet.empty()) {
    mine = { ...me, time: now, set: (mine?.set ?? new FieldSet()).union(changedSet).difference(diff.removed) };
  } else if (mine) {
    mine = { ...mine, set: mine.set.difference(diff.removed) };
  }
  if (mine) next.push(mine);

  const managedFields = encodeManagedFields(next);
  const object = withManagedFields(withoutManagedFields(updated), managedFields);
  return { object, managedFields, changed: !deepEqual(oldPart, newPart) };
}
