// update (PUT): replace an object, optimistic concurrency on metadata.resourceVersion; status is kept from the
// stored object on the main resource and is the only thing written through /status.
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { checkDecode, objectMetaDecodeError } from '../../api/schema/index.js';
import { hasSubresource } from '../object-meta.js';
import { checkTypeMeta, requireObject } from './checks.js';
import { keyFor, readCurrent, target, type Op, type Reply } from './common.js';
import { createObject } from './create.js';
import { RetryableConflict, writeUpdate } from './write.js';

// Types whose strategies allow PUT to create a missing object (AllowCreateOnUpdate in Kubernetes).
const CREATE_ON_UPDATE = new Set([
  '/endpoints',
  '/events',
  '/limitranges',
  '/services',
  'events.k8s.io/events',
  'coordination.k8s.io/leases',
  'rbac.authorization.k8s.io/roles',
  'rbac.authorization.k8s.io/rolebindings',
  'rbac.authorization.k8s.io/clusterroles',
  'rbac.authorization.k8s.io/clusterrolebindings',
  'discovery.k8s.io/endpointslices',
]);

export async function updateObject(op: Op, name: string, subresource?: string): Promise<Reply> {
  const body = requireObject(op.rr.body);
  checkTypeMeta(op, body);
  checkDecoded(op, body);
  const bodyName = body.metadata?.name;
  // An update names its object in the body too (Kubernetes' checkName): a body without one replaces nothing.
  if (bodyName !== name) {
    throw errors.badRequest(`the name of the object (${bodyName ?? ''}) does not match the name on the URL (${name})`);
  }
  const ns = op.rr.info.namespace;
  if (op.served.info.namespaced && body.metadata?.namespace && ns && body.metadata.namespace !== ns) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  body.metadata = { ...body.metadata, name };
  let current: Awaited<ReturnType<typeof readCurrent>>;
  try {
    current = await readCurrent(op, name);
  } catch (e) {
    const info = op.served.info;
    if (!subresource && CREATE_ON_UPDATE.has(`${info.group}/${info.plural}`) && (e as { code?: number }).code === 404) {
      return createObject(op, body);
    }
    throw e;
  }
  const { obj: old, kv } = current;
  checkUidPrecondition(op, body, old);
  const rv = body.metadata.resourceVersion;
  if (rv && rv !== old.metadata?.resourceVersion) throw errors.modified(target(op), name);
  const next = subresource === 'status' ? { ...old, status: body.status } : withOldStatus(op, body, old);
  try {
    const out = await writeUpdate(op, old, kv, next, { subresource, skipChecks: subresource === 'status' && !op.served.custom });
    return { code: 200, kind: 'object', body: out };
  } catch (e) {
    if (e instanceof RetryableConflict) throw errors.modified(target(op), name);
    throw e;
  }
}

/**
 * What the decoder would refuse before any handler logic: wrong-typed values anywhere in a built-in object
 * (status and server-set metadata included, which the write path later overwrites), and in a custom
 * resource's metadata. Unknown fields are left to admission (fieldValidation).
 */
export function checkDecoded(op: Op, obj: KubeObject): void {
  const info = op.served.info;
  const err = op.served.custom
    ? objectMetaDecodeError(info.kind, op.rr.version, obj.metadata)
    : checkDecode(info, op.rr.version, obj, { fieldValidation: 'Ignore', name: obj.metadata?.name ?? '' }).error;
  if (err) throw err;
}

/**
 * A uid in an update's body is a precondition (Kubernetes' defaultUpdatedObjectInfo): another object under
 * the same name is not the one the client meant. The storage layer's words, as a 409.
 */
export function checkUidPrecondition(op: Op, body: KubeObject, old: KubeObject): void {
  const uid = body.metadata?.uid;
  if (!uid || uid === old.metadata?.uid) return;
  const name = old.metadata?.name ?? '';
  const key = keyFor(op, old.metadata?.namespace, name);
  throw errors.conflict(
    target(op),
    name,
    `StorageError: invalid object, Code: 4, Key: ${key}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${uid}, UID in object meta: ${old.metadata?.uid ?? ''}`,
  );
}

/** The main resource cannot change status when the type has a status subresource. */
export function withOldStatus(op: Op, next: KubeObject, old: KubeObject): KubeObject {
  if (!hasSubresource(op.served.info, 'status')) return next;
  const out = { ...next };
  if (old.status === undefined) delete out.status;
  else out.status = old.status;
  return out;
}
