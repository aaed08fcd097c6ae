// Namespace lifecycle: the namespaces that exist from the start, and the admission rule that new objects go
// only into namespaces that exist and are not being deleted (Kubernetes' NamespaceLifecycle plugin).
import { randomUUID } from 'node:crypto';
import { errors, type ErrTarget } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { Store } from '../store/types.js';
import { isStoreError } from '../store/types.js';
import { timestamp } from './object-meta.js';

export const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export const namespaceKey = (name: string) => `/registry/namespaces/${name}`;

export async function ensureInitialNamespaces(store: Store, now: Date): Promise<void> {
  for (const name of INITIAL_NAMESPACES) {
    const ns: KubeObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        uid: randomUUID(),
        creationTimestamp: timestamp(now),
        labels: { 'kubernetes.io/metadata.name': name },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
    try {
      await store.create(namespaceKey(name), JSON.stringify(ns));
    } catch (e) {
      if (!isStoreError(e, 'AlreadyExists')) throw e;
    }
  }
}

/** Refuses a create into a namespace that does not exist (404) or is terminating (403). */
export async function admitNamespacedCreate(store: Store, t: ErrTarget, namespace: string, name: string): Promise<void> {
  const kv = await store.get(namespaceKey(namespace));
  if (!kv) throw errors.notFound({ group: '', resource: 'namespaces' }, namespace);
  const ns = JSON.parse(kv.value) as KubeObject;
  const phase = (ns.status as { phase?: string } | undefined)?.phase;
  if (ns.metadata?.deletionTimestamp || phase === 'Terminating') {
    throw errors.forbidden(t, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
  }
}
