// Reads of other objects that admission plugins need (service accounts, priority classes), straight from the
// store: the API server is the only writer, so the store is always current and no cache can be stale.
import type { KubeObject } from '../../api/object.js';
import { objectKey, collectionPrefix } from '../storage-key.js';
import type { AdmissionRequest } from './types.js';

type Reader = Pick<AdmissionRequest, 'store' | 'registry'>;

export async function getObject(a: Reader, group: string, plural: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
  const served = a.registry.byResource(group, plural);
  if (!served) return undefined;
  const kv = await a.store.get(objectKey(served.info, false, namespace, name));
  return kv ? (JSON.parse(kv.value) as KubeObject) : undefined;
}

export async function listObjects(a: Reader, group: string, plural: string, namespace?: string): Promise<KubeObject[]> {
  const served = a.registry.byResource(group, plural);
  if (!served) return [];
  const { kvs } = await a.store.range(collectionPrefix(served.info, false, namespace));
  return kvs.map((kv) => JSON.parse(kv.value) as KubeObject);
}
