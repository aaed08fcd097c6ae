// One function per patch type, all delegating to the patch module (src/api/patch): swapping an implementation
// touches this file only. Patch metadata (merge keys, list types) comes from the schema of the kind, with the
// patch module's built-in table as fallback.
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  builtinPatchMeta,
  chainPatchMeta,
  serverSideApply as ssa,
  type PatchMeta,
  type PatchMetaLookup,
} from '../api/patch/index.js';
import { patchMetaAt } from '../api/schema/index.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource.js';

export function patchMeta(info: ResourceInfo, version: string, crdSchema?: Record<string, unknown>): PatchMetaLookup {
  const fromSchema: PatchMetaLookup = (path) => {
    const m = patchMetaAt(info.group, version, info.kind, path, crdSchema ? { crdSchema: crdSchema as never } : undefined);
    return m && Object.keys(m).length > 0 ? (m as PatchMeta) : undefined;
  };
  return chainPatchMeta(fromSchema, builtinPatchMeta(info.kind));
}

export function jsonPatch(target: unknown, patch: unknown): unknown {
  return applyJsonPatch(target, patch);
}

export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  return applyMergePatch(target, patch);
}

export function strategicMergePatch(meta: PatchMetaLookup, target: unknown, patch: unknown): unknown {
  return applyStrategicMergePatch(target, patch, meta);
}

export interface ApplyRequest {
  meta: PatchMetaLookup;
  live: KubeObject | undefined;
  applied: KubeObject;
  manager: string;
  force: boolean;
  now: Date;
  apiVersion: string;
  subresource?: string;
  /** The main resource of a type with a status subresource does not own status. */
  ignoreStatus: boolean;
}

/** Server-side apply: the merged object with its managedFields (409 Conflict naming the owners, unless forced). */
export function serverSideApply(r: ApplyRequest): KubeObject {
  return ssa({
    live: r.live,
    applied: r.applied,
    manager: r.manager,
    force: r.force,
    now: r.now,
    apiVersion: r.apiVersion,
    meta: r.meta,
    subresource: r.subresource,
    ignore: r.ignoreStatus ? [['status']] : [],
  }).object;
}
