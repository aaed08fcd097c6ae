// RFC 7386 JSON merge patch: objects merge key by key, null deletes, anything else replaces.
import { errors } from '../errors.js';
import { clone, isPlainObject } from './values.js';

function merge(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

/** Applies a merge patch to a copy of `doc`. A patch that is not an object is refused, as Kubernetes does. */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) throw errors.badRequest('Invalid JSON Patch');
  return merge(clone(doc), patch);
}
