// Small accessors for the pod fields admission plugins touch; the object is not validated yet, so every
// read tolerates a wrong shape (validation reports it afterwards).
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';

export type Obj = Record<string, unknown>;

export const isPodWrite = (group: string, resource: string, subresource?: string) => group === '' && resource === 'pods' && !subresource;

/** spec as an object, created when missing; undefined when it is some other type. */
export function podSpec(pod: KubeObject): Obj | undefined {
  if (pod.spec === undefined || pod.spec === null) pod.spec = {};
  return isPlainObject(pod.spec) ? pod.spec : undefined;
}

export const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isPlainObject) : []);

/** Appends to an array field, creating it; false when the field holds something else. */
export function append(o: Obj, key: string, item: unknown): boolean {
  const cur = o[key];
  if (cur === undefined || cur === null) {
    o[key] = [item];
    return true;
  }
  if (!Array.isArray(cur)) return false;
  cur.push(item);
  return true;
}

/** Mirror pods (static pods the kubelet reports) are left as the kubelet wrote them. */
export const isMirrorPod = (pod: KubeObject) => pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined;
