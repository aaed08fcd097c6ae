// LimitRanger's defaulting (on pod create): containers without a request or limit for a resource get the
// namespace's Container LimitRange default (limits) and defaultRequest (requests), noted in the
// kubernetes.io/limit-ranger annotation as Kubernetes words it. Min/max enforcement is not done here.
import { isPlainObject } from '../../api/object.js';
import { listObjects } from './lookup.js';
import { isPodWrite, objects, podSpec, type Obj } from './pod-spec.js';
import type { AdmissionPlugin } from './types.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

function merge(c: Obj, defaults: { limits: Obj; requests: Obj }, prefix: string, notes: string[]): void {
  const res = isPlainObject(c['resources']) ? c['resources'] : (c['resources'] = {});
  const limits = isPlainObject(res['limits']) ? res['limits'] : {};
  const requests = isPlainObject(res['requests']) ? res['requests'] : {};
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  for (const [k, v] of Object.entries(defaults.limits)) {
    if (limits[k] !== undefined) continue;
    limits[k] = v;
    setLimits.push(k);
  }
  for (const [k, v] of Object.entries(defaults.requests)) {
    // A limit the pod states itself becomes its request by defaulting, which Kubernetes does before admission.
    if (requests[k] !== undefined || (limits[k] !== undefined && !setLimits.includes(k))) continue;
    requests[k] = v;
    setRequests.push(k);
  }
  if (Object.keys(limits).length > 0) res['limits'] = limits;
  if (Object.keys(requests).length > 0) res['requests'] = requests;
  if (setRequests.length > 0) notes.push(`${setRequests.sort().join(', ')} request for ${prefix} ${String(c['name'] ?? '')}`);
  if (setLimits.length > 0) notes.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${String(c['name'] ?? '')}`);
}

export const limitRanger: AdmissionPlugin = {
  name: 'LimitRanger',
  async admit(a) {
    if (a.operation !== 'create' || !isPodWrite(a.group, a.resource, a.subresource) || !a.namespace) return;
    const spec = podSpec(a.obj);
    if (!spec) return;
    const ranges = await listObjects(a, '', 'limitranges', a.namespace);
    for (const lr of ranges) {
      const defaults = { limits: {} as Obj, requests: {} as Obj };
      for (const item of objects(isPlainObject(lr.spec) ? lr.spec['limits'] : undefined)) {
        if (item['type'] !== 'Container') continue;
        if (isPlainObject(item['default'])) defaults.limits = item['default'];
        if (isPlainObject(item['defaultRequest'])) defaults.requests = item['defaultRequest'];
      }
      if (Object.keys(defaults.limits).length === 0 && Object.keys(defaults.requests).length === 0) continue;
      const notes: string[] = [];
      for (const c of objects(spec['containers'])) merge(c, defaults, 'container', notes);
      for (const c of objects(spec['initContainers'])) merge(c, defaults, 'init container', notes);
      if (notes.length > 0) {
        a.obj.metadata = { ...a.obj.metadata, annotations: { ...a.obj.metadata?.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` } };
      }
    }
  },
};
