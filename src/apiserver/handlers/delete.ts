// delete and deletecollection. Preconditions (uid, resourceVersion) guard the delete; finalizers (and the
// orphan/foreground propagation finalizers) keep the object with deletionTimestamp set until they are removed;
// pods bound to a node wait for their node agent through a graceful deletion.
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import { apiVersionOf } from '../../api/resource.js';
import { isStoreError } from '../../store/types.js';
import { syncCrd } from '../crd/lifecycle.js';
import { timestamp, toStore } from '../object-meta.js';
import { dryRun, keyFor, mapStoreError, readCurrent, successStatus, target, type Op, type Reply } from './common.js';
import { listObjects } from './read.js';
import { isCrdResource } from './write.js';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** DeleteOptions from the body (if any) and the query string (query wins, as in Kubernetes' decoding order). */
export function deleteOptions(op: Op): DeleteOptions {
  const body = isPlainObject(op.rr.body) ? (op.rr.body as DeleteOptions) : {};
  const o: DeleteOptions = { ...body };
  const q = op.rr.query;
  const g = q.get('gracePeriodSeconds');
  if (g !== null) o.gracePeriodSeconds = Number(g);
  const p = q.get('propagationPolicy');
  if (p !== null) o.propagationPolicy = p as DeleteOptions['propagationPolicy'];
  if (o.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(o.propagationPolicy)) {
    throw errors.badRequest(`propagationPolicy: Unsupported value: "${o.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`);
  }
  if (o.gracePeriodSeconds !== undefined && (!Number.isInteger(o.gracePeriodSeconds) || o.gracePeriodSeconds < 0)) {
    if (o.gracePeriodSeconds !== undefined && o.gracePeriodSeconds < 0) o.gracePeriodSeconds = 1;
    else throw errors.badRequest(`gracePeriodSeconds: Invalid value: ${String(o.gracePeriodSeconds)}`);
  }
  return o;
}

/** Deletes one object; returns what Kubernetes returns: the object while it lingers, else a Success Status. */
export async function deleteObject(op: Op, name: string, opts = deleteOptions(op)): Promise<Reply> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const { obj, kv } = await readCurrent(op, name);
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== obj.metadata?.uid) {
      throw errors.conflict(target(op), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata?.uid ?? ''}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== obj.metadata?.resourceVersion) {
      throw errors.conflict(target(op), name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata?.resourceVersion ?? ''}`);
    }
    const linger = lingering(op, obj, opts);
    const key = keyFor(op, obj.metadata?.namespace, name);
    try {
      if (linger) {
        if (dryRun(op.rr.query)) return { code: 200, kind: 'object', body: linger };
        const kv2 = await op.ctx.store.update(key, toStore(linger), kv.modRevision);
        linger.metadata = { ...linger.metadata, resourceVersion: String(kv2.modRevision) };
        if (op.served.info.group === '' && op.served.info.plural === 'namespaces') op.ctx.hooks.namespaceDeleting?.(linger);
        if (isCrdResource(op)) syncCrd(op.ctx.registry, linger, obj);
        return { code: 200, kind: 'object', body: linger };
      }
      if (!dryRun(op.rr.query)) {
        await op.ctx.store.delete(key, kv.modRevision);
        if (isCrdResource(op)) syncCrd(op.ctx.registry, undefined, obj);
      }
      return returnsObject(op) ? { code: 200, kind: 'object', body: obj } : { code: 200, kind: 'status', body: successStatus(op, obj) };
    } catch (e) {
      if (isStoreError(e, 'Conflict')) continue;
      mapStoreError(op, name, e);
    }
  }
  throw errors.modified(target(op), name);
}

// Kubernetes' registries that answer a delete with the deleted object instead of a Status.
function returnsObject(op: Op): boolean {
  const id = `${op.served.info.group}/${op.served.info.plural}`;
  return id === '/pods' || id === '/namespaces' || id === 'apiextensions.k8s.io/customresourcedefinitions' || op.served.custom !== undefined;
}

/**
 * The object as it stays after a delete request (deletionTimestamp set), or undefined when it goes now.
 * Returning the same object again (already deleting, nothing new) keeps it as it is.
 */
function lingering(op: Op, obj: KubeObject, opts: DeleteOptions): KubeObject | undefined {
  const info = op.served.info;
  const meta = { ...obj.metadata };
  const finalizers = [...(meta.finalizers ?? [])];
  const policy = opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : undefined);
  if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
  if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
  const now = op.ctx.clock.now();
  const isNamespace = info.group === '' && info.plural === 'namespaces';
  const isBoundPod = info.group === '' && info.plural === 'pods' && isPlainObject(obj.spec) && typeof obj.spec['nodeName'] === 'string' && obj.spec['nodeName'] !== '';
  let grace = 0;
  if (isBoundPod) {
    const spec = obj.spec as Record<string, unknown>;
    const phase = isPlainObject(obj.status) ? obj.status['phase'] : undefined;
    const done = phase === 'Succeeded' || phase === 'Failed';
    grace = done ? 0 : opts.gracePeriodSeconds ?? (typeof spec['terminationGracePeriodSeconds'] === 'number' ? spec['terminationGracePeriodSeconds'] : 30);
  }
  if (finalizers.length === 0 && !isNamespace && grace === 0) return undefined;
  if (meta.deletionTimestamp) {
    // Already deleting: a shorter grace period may still move the deadline closer.
    if (grace > 0 && meta.deletionGracePeriodSeconds !== undefined && grace < meta.deletionGracePeriodSeconds) {
      meta.deletionGracePeriodSeconds = grace;
      meta.deletionTimestamp = timestamp(new Date(now.getTime() + grace * 1000));
    } else if (!isBoundPod && finalizers.length === (meta.finalizers ?? []).length) {
      return { ...obj, metadata: meta };
    }
  } else {
    meta.deletionTimestamp = timestamp(new Date(now.getTime() + grace * 1000));
    meta.deletionGracePeriodSeconds = grace;
  }
  meta.finalizers = finalizers.length > 0 ? finalizers : undefined;
  if (!meta.finalizers) delete meta.finalizers;
  const out: KubeObject = { ...obj, metadata: meta };
  if (isNamespace) out.status = { ...(isPlainObject(obj.status) ? obj.status : {}), phase: 'Terminating' };
  if (meta.generation !== undefined && !isNamespace) meta.generation = meta.generation + 1;
  return out;
}

export async function deleteCollection(op: Op): Promise<Reply> {
  const opts = deleteOptions(op);
  const list = await listObjects(op);
  const items = ((list.kind === 'list' ? list.body.items : []) as KubeObject[]) ?? [];
  const deleted: KubeObject[] = [];
  for (const item of items) {
    try {
      const sub: Op = { ...op, rr: { ...op.rr, info: { ...op.rr.info, namespace: item.metadata?.namespace } } };
      const r = await deleteObject(sub, item.metadata?.name ?? '', opts);
      deleted.push(r.kind === 'object' ? r.body : item);
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
    }
  }
  const info = op.served.info;
  return {
    code: 200,
    kind: 'list',
    body: { kind: info.listKind, apiVersion: apiVersionOf(info.group, op.rr.version), metadata: { resourceVersion: String(await op.ctx.store.currentRevision()) }, items: deleted },
  };
}
