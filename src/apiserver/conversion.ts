// Built-in types served in several versions with different shapes are stored in one version and converted on
// the way in and out, as kube-apiserver does (one object, many views). Each such type names its storage
// version and a pairwise converter; every other type is stored as sent and only relabelled on read.
// toStore converts whatever version a write arrived in to the storage version; fromStore converts the stored
// value (whatever version it was written in, so values from before a type gained conversion still read) to the
// version asked for.
import { hpaV1ToV2, hpaV2ToV1 } from '../api/conversion/autoscaling.js';
import type { KubeObject } from '../api/object.js';

interface Converted {
  /** apiVersion the store keeps. */
  storage: string;
  /** from apiVersion -> to apiVersion -> converter. */
  steps: Record<string, Record<string, (o: KubeObject) => KubeObject>>;
}

const BY_KIND: Record<string, Converted> = {
  'autoscaling/HorizontalPodAutoscaler': {
    storage: 'autoscaling/v2',
    steps: { 'autoscaling/v1': { 'autoscaling/v2': hpaV1ToV2 }, 'autoscaling/v2': { 'autoscaling/v1': hpaV2ToV1 } },
  },
};

function entryFor(apiVersion: unknown, kind: unknown): Converted | undefined {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return BY_KIND[`${group}/${kind}`];
}

/** obj in apiVersion `to` (obj itself when no conversion applies). */
export function convertTo(obj: KubeObject, to: string): KubeObject {
  const e = entryFor(obj.apiVersion, obj.kind);
  if (!e || obj.apiVersion === to) return obj;
  const step = e.steps[obj.apiVersion!]?.[to];
  if (step) return step(obj);
  // Through the storage version when there is no direct step.
  const toStorage = e.steps[obj.apiVersion!]?.[e.storage];
  const fromStorage = e.steps[e.storage]?.[to];
  return toStorage && fromStorage ? fromStorage(toStorage(obj)) : obj;
}

/** obj in its type's storage version (obj itself for types without one). */
export function toStorageVersion(obj: KubeObject): KubeObject {
  const e = entryFor(obj.apiVersion, obj.kind);
  return e ? convertTo(obj, e.storage) : obj;
}

/** Whether the stored value may need more than relabelling to be read in another version. */
export function hasConversion(group: string, kind: string): boolean {
  return BY_KIND[`${group}/${kind}`] !== undefined;
}
