// patch: the four patch types applied to the stored object, then the update path. Without a resourceVersion in
// the patch, a lost compare-and-swap is retried on the fresh object, as Kubernetes does.
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import { managerName } from '../managed-fields.js';
import { PATCH_TYPES } from '../media.js';
import { isTrue } from '../request-info.js';
import { jsonMergePatch, jsonPatch, patchMeta, serverSideApply, strategicMergePatch } from '../patch-hooks.js';
import { apiVersionOf } from '../../api/resource.js';
import { hasSubresource } from '../object-meta.js';
import { checkTypeMeta } from './checks.js';
import { readCurrent, target, type Op, type Reply } from './common.js';
import { createObject } from './create.js';
import { withOldStatus } from './update.js';
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
      const schema = op.served.custom?.versions.get(op.rr.version)?.schema;
      out = serverSideApply({
        meta: patchMeta(op.served.info, op.rr.version, schema),
        live,
        applied: patch as KubeObject,
        manager: managerName(fm, op.rr.headers['user-agent']),
        force: isTrue(q.get('force')),
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
    const pm = patched.metadata ?? {};
    if (pm.name !== undefined && pm.name !== name) {
      throw errors.badRequest(`the name of the object (${String(pm.name)}) does not match the name on the URL (${name})`);
    }
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
