// create (POST to a collection): name or generateName, namespace from the path, admission, checks, store.
import { randomUUID } from 'node:crypto';
import { errors, field } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { apiVersionOf } from '../../api/resource.js';
import { admitWrite } from '../admission/from-op.js';
import { establish, syncCrd } from '../crd/lifecycle.js';
import { managerName, recordUpdate } from '../managed-fields.js';
import { admitNamespacedCreate } from '../namespaces.js';
import { fromStore, generateName, hasSubresource, prepareForCreate, stampCreate, timestamp, toStore, tracksGeneration } from '../object-meta.js';
import { assignServiceAddresses, isCoreService } from '../service-addresses.js';
import { resourcePrefix } from '../storage-key.js';
import { admitObject, checkTypeMeta, requireObject } from './checks.js';
import { dryRun, isCustom, keyFor, mapStoreError, target, type Op, type Reply } from './common.js';
import { isCrdResource } from './write.js';

export async function createObject(op: Op, bodyOverride?: KubeObject, o: { applied?: boolean } = {}): Promise<Reply> {
  const obj = bodyOverride ?? requireObject(op.rr.body);
  checkTypeMeta(op, obj);
  const obj2 = await prepareNew(op, obj, o.applied === true);
  return { code: 201, kind: 'object', body: await storeNew(op, obj2) };
}

/** Namespace, name, admission and checks for an object about to be created. */
export async function prepareNew(op: Op, obj: KubeObject, applied = false): Promise<KubeObject> {
  const info = op.served.info;
  const meta = { ...(obj.metadata ?? {}) };
  const pathNs = op.rr.info.namespace;
  if (info.namespaced) {
    if (meta.namespace && pathNs && meta.namespace !== pathNs) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = pathNs ?? meta.namespace;
    if (!meta.namespace) throw errors.badRequest('the server could not find the requested resource');
  } else delete meta.namespace;
  if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
  obj.metadata = meta;
  if (!meta.name) {
    throw errors.invalid({ group: info.group, kind: info.kind }, '', [field.required('metadata.name', 'name or generateName is required')]);
  }
  const now = op.ctx.clock.now();
  if (info.namespaced) await admitNamespacedCreate(op.ctx.store, target(op), meta.namespace!, meta.name);
  await admitWrite(op, 'create', obj);
  prepareForCreate(info, obj, hasSubresource(info, 'status'));
  if (isCoreService(info)) await assignServiceAddresses(op.ctx.store, resourcePrefix(info, false), obj, undefined, { dryRun: dryRun(op.rr.query) });
  // System fields first, as kube-apiserver's BeforeCreate does: defaulting needs the uid (a Job's selector names it)
  stampCreate(obj, now, tracksGeneration(info, isCustom(op)));
  admitObject(op, obj);
  if (isCrdResource(op)) establish(obj, now);
  if (!applied) recordUpdate(obj, undefined, {
    manager: managerName(op.rr.query.get('fieldManager'), op.rr.headers['user-agent']),
    apiVersion: apiVersionOf(info.group, op.rr.version),
    time: timestamp(now),
  });
  return obj;
}

export async function storeNew(op: Op, obj: KubeObject): Promise<KubeObject> {
  const name = obj.metadata!.name!;
  if (dryRun(op.rr.query)) return obj;
  try {
    const kv = await op.ctx.store.create(keyFor(op, obj.metadata?.namespace, name), toStore(obj));
    const out = fromStore(kv, op.served.info, op.rr.version);
    if (isCrdResource(op)) syncCrd(op.ctx.registry, out);
    return out;
  } catch (e) {
    mapStoreError(op, name, e);
  }
}

export const newUid = () => randomUUID();
