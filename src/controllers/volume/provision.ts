// The local-path provisioner (as k3s's local-path-provisioner): a claim of the local-path class, once its first
// consumer has a node, gets a hostPath volume under <data dir>/storage/<pv-name> pinned to that node by node
// affinity, pre-bound to the claim. The built-in StorageClass is the default one.
import { join } from 'node:path';
import type { PersistentVolumeClaim, PersistentVolume, StorageClass } from './types.js';
import { ANN_DEFAULT_CLASS, ANN_PROVISIONED_BY, LOCAL_PATH_CLASS, LOCAL_PATH_PROVISIONER } from './types.js';

export function localPathClass(): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_CLASS, annotations: { [ANN_DEFAULT_CLASS]: 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

export const provisionedName = (c: PersistentVolumeClaim): string => `pvc-${c.metadata?.uid ?? ''}`;

export function localPathVolume(c: PersistentVolumeClaim, sc: StorageClass, node: string, dataDir: string): PersistentVolume {
  const name = provisionedName(c);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { [ANN_PROVISIONED_BY]: sc.provisioner ?? LOCAL_PATH_PROVISIONER, 'local.path.provisioner/selected-node': node } },
    spec: {
      capacity: { storage: c.spec?.resources?.requests?.storage ?? '1Gi' },
      accessModes: c.spec?.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata?.name ?? LOCAL_PATH_CLASS,
      volumeMode: c.spec?.volumeMode ?? 'Filesystem',
      hostPath: { path: join(dataDir, 'storage', name), type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: c.metadata?.namespace, name: c.metadata?.name, uid: c.metadata?.uid },
    },
  };
}

/** The node a local-path volume lives on (from its node affinity). */
export function volumeNode(v: PersistentVolume): string | undefined {
  for (const t of v.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [])
    for (const e of t.matchExpressions ?? []) if (e.key === 'kubernetes.io/hostname' && e.operator === 'In' && e.values?.length === 1) return e.values[0];
  return undefined;
}
