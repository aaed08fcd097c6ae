// The common tail of every write of an existing object (update, patch, status, scale, finalizer removal):
// server-owned metadata carried over, checks, no-op detection, managedFields, compare-and-swap.
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import { apiVersionOf } from '../../api/resource.js';
import type { KeyValue } from '../../store/types.js';
import { isStoreError } from '../../store/types.js';
import { admitWrite } from '../admission/from-op.js';
import { establish, syncCrd } from '../crd/lifecycle.js';
import { managerName, recordUpdate } from '../managed-fields.js';
import { carryOverMeta, fromStore, sameObject, timestamp, toStore, tracksGeneration } from '../object-meta.js';
import { assignServiceAddresses, isCoreService } from '../service-addresses.js';
import { resourcePrefix } from '../storage-key.js';
import { admitObject } from './checks.js';
import { dryRun, isCustom, keyFor, mapStoreError, type Op } from './common.js';

export const isCrdResource = (op: Op) =>
  op.served.info.group === 'apiextensions.k8s.io' && op.served.info.plural === 'customresourcedefinitions';

export interface UpdateOptions {
  subresource?: string;
  /** Skip admission checks (status writes of built-ins check nothing but the status). */
  skipChecks?: boolean;
  /** Server-side apply already wrote managedFields. */
  applied?: boolean;
}

/** Thrown inside writeUpdate when the store's compare-and-swap failed: patch retries on it. */
export class RetryableConflict extends Error {}

export async function writeUpdate(op: Op, old: KubeObject, kv: KeyValue, next: KubeObject, o: UpdateOptions = {}): Promise<KubeObject> {
  const info = op.served.info;
  const name = old.metadata?.name ?? '';
  const now = op.ctx.clock.now();
  carryOverMeta(next, old, tracksGeneration(info, isCustom(op)), !o.subresource || o.subresource === 'scale');
  next.metadata = { ...next.metadata, name, resourceVersion: old.metadata?.resourceVersion };
  if (info.namespaced) next.metadata.namespace = old.metadata?.namespace;
  else delete next.metadata.namespace;
  if (isCoreService(info) && !o.subresource) await assignServiceAddresses(op.ctx.store, resourcePrefix(info, false), next, old, { dryRun: dryRun(op.rr.query) });
  if (!o.subresource) await admitWrite(op, 'update', next, old);
  if (!o.skipChecks) admitObject(op, next, old);
  if (isCrdResource(op) && !o.subresource) establish(next, now);
  if (sameObject(next, old)) return old;
  if (!o.applied) recordUpdate(next, old, {
    manager: managerName(op.rr.query.get('fieldManager'), op.rr.headers['user-agent']),
    apiVersion: apiVersionOf(info.group, op.rr.version),
    time: timestamp(now),
    subresource: o.subresource,
  });
  const key = keyFor(op, old.metadata?.namespace, name);
  // The last finalizer of an object being deleted is gone: the object goes with it.
  // Namespaces also wait for their spec.finalizers (the namespace controller empties them through /finalize).
  const nsFinalizers = info.group === '' && info.plural === 'namespaces' && isPlainObject(next.spec) && Array.isArray(next.spec['finalizers']) ? next.spec['finalizers'].length : 0;
  if (old.metadata?.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && nsFinalizers === 0) {
    if (dryRun(op.rr.query)) return next;
    try {
      const del = await op.ctx.store.delete(key, kv.modRevision);
      if (isCrdResource(op)) syncCrd(op.ctx.registry, undefined, old);
      next.metadata.resourceVersion = String(del.deleteRevision);
      return next;
    } catch (e) {
      if (isStoreError(e, 'Conflict')) throw new RetryableConflict();
      mapStoreError(op, name, e);
    }
  }
  if (dryRun(op.rr.query)) return next;
  try {
    const written = await op.ctx.store.update(key, toStore(next), kv.modRevision);
    const out = fromStore(written, info, op.rr.version);
    if (isCrdResource(op)) syncCrd(op.ctx.registry, out, old);
    return out;
  } catch (e) {
    if (isStoreError(e, 'Conflict')) throw new RetryableConflict();
    mapStoreError(op, name, e);
  }
}
