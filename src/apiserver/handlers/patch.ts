// patch: the four patch types applied to the stored object, then the update path. Without a resourceVersion in
// the patch, a lost compare-and-swap is retried on the fresh object, as Kubernetes does.
import { errors, field } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import { managerName } from '../managed-fields.js';
import { PATCH_TYPES } from '../media.js';
import { jsonMergePatch, jsonPatch, patchMeta, serverSideApply, strategicMergePatch } from '../patch-hooks.js';
import { apiVersionOf } from '../../api/resource.js';
import { checkDecode } from '../../api/schema/index.js';
import { hasSubresource } from '../object-meta.js';
import { checkTypeMeta } from './checks.js';
import { readCurrent, target, type Op, type Reply } from './common.js';
import { createObject } from './create.js';
import { checkDecoded, withOldStatus } from './update.js';
import { RetryableConflict, writeUpdate } from './write.js';

const MAX_TRIES = 5;

export function applyPatch(op: Op, patchType: string, live: KubeObject | undefined, patch: unknown): KubeObject {
  const q = op.rr.query;
  let out: unknown;
  switch (patchType) {
    case PATCH_TYPES.json:
      out = jsonPatch(live ?? {}, patch);
      break;
    case PATCH_TYPES.merge:
      if (!isPlainObject(patch)) throw errors.badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
      out = jsonMergePatch(live ?? {}, patch);
      break;
    case PATCH_TYPES.strategic:
      if (op.served.custom) {
        throw errors.unsupportedMediaType(`${PATCH_TYPES.strategic} is not supported for custom resources; use ${PATCH_TYPES.merge}`);
      }
      if (!isPlainObject(patch)) throw errors.badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
      out = strategicMergePatch(patchMeta(op.served.info, op.rr.version), live ?? {}, patch);
      break;
    case PATCH_TYPES.apply: {
      if (!isPlainObject(patch)) throw errors.badRequest('error decoding YAML: the applied configuration must be an object');
      const fm = q.get('fieldManager');
      if (!fm) throw errors.badRequest('PATCH, application/apply-patch+yaml requests must have a fieldManager parameter');
      checkAppliedConfiguration(op, patch as KubeObject, live);
      const schema = op.served.custom?.versions.get(op.rr.version)?.schema;
      out = serverSideApply({
        meta: patchMeta(op.served.info, op.rr.version, schema),
        live,
        applied: patch as KubeObject,
        manager: managerName(fm, op.rr.headers['user-agent']),
        force: forceParam(q.get('force')),
        now: op.ctx.clock.now(),
        apiVersion: apiVersionOf(op.served.info.group, op.rr.version),
        subresource: op.rr.info.subresource,
        ignoreStatus: !op.rr.info.subresource && hasSubresource(op.served.info, 'status'),
      });
      break;
    }
    default:
      throw errors.unsupportedMediaType(patchType);
  }
  if (!isPlainObject(out)) throw errors.badRequest('the patch did not produce an object');
  return out as KubeObject;
}

// Go's strconv.ParseBool spellings.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * apply's force. Kubernetes' query decoding reads any value but "0"/"false" as true (so force=maybe forces);
 * we take only the values Go's ParseBool takes and refuse the rest with a 400, as other bool parameters are.
 */
function forceParam(v: string | null): boolean {
  if (v === null || v === '') return false;
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw errors.badRequest(`force: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

/**
 * An applied configuration names its type (apiVersion and kind, as the field manager requires) and must
 * decode as that type ("failed to create typed patch object"): wrong-typed metadata included.
 */
function checkAppliedConfiguration(op: Op, applied: KubeObject, live: KubeObject | undefined): void {
  const info = op.served.info;
  const expected = apiVersionOf(info.group, op.rr.version);
  const ns = op.rr.info.namespace;
  const nn = `${ns ? `${ns}/` : ''}${String(applied.metadata?.name ?? live?.metadata?.name ?? '')}`;
  if (applied.apiVersion !== expected) {
    const got = typeof applied.apiVersion === 'string' ? applied.apiVersion : '';
    throw errors.badRequest(`Incorrect version specified in apply patch. Specified patch version: ${got}, expected: ${expected}`);
  }
  if (typeof applied.kind !== 'string' || applied.kind === '') {
    throw errors.badRequest(`failed to create typed patch object (${expected}, Kind=; ${nn}): no corresponding type for ${expected}, Kind=`);
  }
  const gvk = `${expected}, Kind=${applied.kind}`;
  if (applied.metadata !== undefined && applied.metadata !== null && !isPlainObject(applied.metadata)) {
    throw errors.badRequest(`failed to create typed patch object (${gvk}; ${nn}): .metadata: expected map, got ${JSON.stringify(applied.metadata)}`);
  }
  if (applied.kind !== info.kind) return; // checkTypeMeta answers that one
  if (op.served.custom) return checkDecoded(op, applied);
  const decoded = checkDecode(info, op.rr.version, applied, { fieldValidation: 'Ignore' });
  if (decoded.error) throw errors.badRequest(`failed to create typed patch object (${gvk}; ${nn}): ${decoded.error.message.replace(/^.*? cannot be handled as a \S+: /, '')}`);
}

/** The patched object must stay where the URL says: name, namespace and uid are not the patch's to change. */
function checkIdentity(op: Op, name: string, patched: KubeObject, old: KubeObject): void {
  const pm = patched.metadata ?? {};
  if (pm.name !== undefined && pm.name !== name) {
    throw errors.badRequest(`the name of the object (${String(pm.name)}) does not match the name on the URL (${name})`);
  }
  const ns = op.rr.info.namespace;
  if (ns && pm.namespace !== undefined && pm.namespace !== '' && pm.namespace !== ns) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  // A patch carries no uid precondition (unlike an update's body): a changed uid fails metadata validation.
  const uid = pm.uid;
  if (uid !== undefined && uid !== '' && uid !== old.metadata?.uid) {
    throw errors.invalid({ group: op.served.info.group, kind: op.served.info.kind }, name, [field.invalid('metadata.uid', uid, 'field is immutable')]);
  }
}

export async function patchObject(op: Op, name: string, subresource?: string): Promise<Reply> {
  const patchType = (op.rr.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!Object.values(PATCH_TYPES).includes(patchType as never)) throw errors.unsupportedMediaType(patchType);
  if (patchType !== PATCH_TYPES.apply && op.rr.query.get('force') !== null) {
    throw errors.badRequest('force: Invalid value: true: may not be specified for non-apply patch');
  }
  for (let attempt = 0; ; attempt++) {
    let current: Awaited<ReturnType<typeof readCurrent>> | undefined;
    try {
      current = await readCurrent(op, name);
    } catch (e) {
      // Server-side apply creates what is missing.
      if (patchType === PATCH_TYPES.apply && !subresource && (e as { code?: number }).code === 404) {
        const created = applyPatch(op, patchType, undefined, op.rr.body);
        created.metadata = { ...created.metadata, name };
        return createObject(op, created, { applied: true });
      }
      throw e;
    }
    const { obj: old, kv } = current;
    const patched = applyPatch(op, patchType, structuredClone(old), op.rr.body);
    checkTypeMeta(op, patched);
    // The patched JSON is decoded into the type, as a body is: status and server-set metadata included.
    checkDecoded(op, patched);
    checkIdentity(op, name, patched, old);
    const pm = patched.metadata ?? {};
    // A resourceVersion the patch sets is a precondition.
    const rv = pm.resourceVersion;
    const precondition = rv !== undefined && rv !== old.metadata?.resourceVersion;
    if (precondition) throw errors.modified(target(op), name);
    const next = subresource === 'status' ? { ...old, status: patched.status } : withOldStatus(op, patched, old);
    try {
      const out = await writeUpdate(op, old, kv, next, { subresource, skipChecks: subresource === 'status' && !op.served.custom, applied: patchType === PATCH_TYPES.apply });
      return { code: 200, kind: 'object', body: out };
    } catch (e) {
      if (e instanceof RetryableConflict) {
        if (attempt + 1 < MAX_TRIES && isPlainObject(op.rr.body) && !(op.rr.body as KubeObject).metadata?.resourceVersion) continue;
        throw errors.modified(target(op), name);
      }
      throw e;
    }
  }
}
