// Metadata rules shared by every write: what the server sets on create, what an update may not change,
// when generation moves, and how stored values become responses.
import { randomInt, randomUUID } from 'node:crypto';
import type { KubeObject, ObjectMeta } from '../api/object.js';
import { isPlainObject } from '../api/object.js';
import { apiVersionOf, type ResourceInfo } from '../api/resource.js';
import type { KeyValue } from '../store/types.js';
import { convertTo, hasConversion, toStorageVersion } from './conversion.js';

/** RFC 3339 with seconds, as Kubernetes writes metav1.Time. */
export function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Kubernetes' name-suffix alphabet: no vowels (no words) and no look-alikes such as 0/o, 1/l.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function generateName(base: string): string {
  // Kubernetes trims the base so the result fits in 63 characters.
  const prefix = base.length > 58 ? base.slice(0, 58) : base;
  let s = '';
  for (let i = 0; i < 5; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return prefix + s;
}

/** A stored value read back: resourceVersion from the store revision, type fields for the version asked. */
export function fromStore(kv: KeyValue, info: ResourceInfo, version: string): KubeObject {
  const apiVersion = apiVersionOf(info.group, version);
  let obj = JSON.parse(kv.value) as KubeObject;
  // Types with a storage version (conversion.ts) are converted from the version the value was written in.
  if (hasConversion(info.group, info.kind)) obj = convertTo({ ...obj, kind: info.kind }, apiVersion);
  obj.apiVersion = apiVersion;
  obj.kind = info.kind;
  // resourceVersion first in metadata: lists splice it into the stored text at that place (list-json.ts),
  // and a get must give the same bytes.
  const rv = String(kv.modRevision);
  const meta: ObjectMeta = { resourceVersion: rv, ...obj.metadata };
  meta.resourceVersion = rv;
  obj.metadata = meta;
  return obj;
}

/**
 * The value written to the store: never the resourceVersion (it is the key's modRevision). apiVersion, kind
 * and metadata go first, in Kubernetes' field order, whatever order the client sent: lists then splice the
 * stored text (list-json.ts) instead of re-encoding each object.
 */
export function toStore(obj: KubeObject): string {
  const { apiVersion, kind, metadata, ...rest } = toStorageVersion(obj);
  const m = { ...metadata };
  delete m.resourceVersion;
  delete m.selfLink;
  return JSON.stringify({ apiVersion, kind, metadata: m, ...rest });
}

// Types whose strategies keep metadata.generation (custom resources always do).
const GENERATION = new Set([
  'apps/deployments',
  'apps/replicasets',
  'apps/statefulsets',
  'apps/daemonsets',
  'batch/jobs',
  'batch/cronjobs',
  '/replicationcontrollers',
  'policy/poddisruptionbudgets',
  'networking.k8s.io/networkpolicies',
  'networking.k8s.io/ingresses',
  'apiextensions.k8s.io/customresourcedefinitions',
  'autoscaling/horizontalpodautoscalers',
]);

export function tracksGeneration(info: ResourceInfo, custom: boolean): boolean {
  return custom || GENERATION.has(`${info.group}/${info.plural}`);
}

export function hasSubresource(info: ResourceInfo, name: string): boolean {
  return (info.subresources ?? []).some((s) => s.name === name);
}

/** Everything but metadata and status (and the type fields): what generation counts changes of. */
export function specPart(obj: KubeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return JSON.stringify(rest);
}

/** Fields Kubernetes resets on create: status of types that have a status subresource, then per-type. */
export function prepareForCreate(info: ResourceInfo, obj: KubeObject, hasStatus: boolean): void {
  if (hasStatus) delete obj.status;
  const id = `${info.group}/${info.plural}`;
  if (id === '/pods') obj.status = { phase: 'Pending', ...(isPlainObject(obj.status) ? obj.status : {}) };
  if (id === '/namespaces') {
    obj.status = { phase: 'Active' };
    const spec = isPlainObject(obj.spec) ? obj.spec : {};
    obj.spec = { ...spec, finalizers: ['kubernetes'] };
  }
}

/** Stamps server-owned metadata on a new object. */
export function stampCreate(obj: KubeObject, now: Date, generation: boolean): void {
  const m = { ...obj.metadata };
  m.uid = randomUUID();
  m.creationTimestamp = timestamp(now);
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  if (generation) m.generation = 1;
  else delete m.generation;
  obj.metadata = m;
}

/** Carries server-owned metadata from the stored object into the new one, and moves generation. */
export function carryOverMeta(obj: KubeObject, old: KubeObject, generation: boolean, specMayChange = true): void {
  const m = { ...obj.metadata };
  const o = old.metadata ?? {};
  m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  if (o.deletionTimestamp) m.deletionTimestamp = o.deletionTimestamp;
  else delete m.deletionTimestamp;
  if (o.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  else delete m.deletionGracePeriodSeconds;
  if (o.generateName !== undefined) m.generateName = o.generateName;
  delete m.selfLink;
  if (generation) {
    const g = o.generation ?? 1;
    m.generation = specMayChange && specPart(obj) !== specPart(old) ? g + 1 : g;
  } else delete m.generation;
  obj.metadata = m;
}

/** True when two objects are equal apart from resourceVersion and managedFields (a no-op is not written). */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const m = { ...o.metadata };
    delete m.resourceVersion;
    delete m.managedFields;
    return canonical({ ...o, metadata: m });
  };
  return strip(a) === strip(b);
}

/** JSON with object keys sorted, so key order does not make equal objects differ. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
