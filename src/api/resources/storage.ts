// storage.k8s.io/v1 (csistoragecapacities and volumeattributesclasses are left out: nothing here uses them).
import type { ResourceInfo } from '../resource.js';
import { resource, status } from './define.js';

const storage = { group: 'storage.k8s.io', versions: ['v1'], namespaced: false };

export const storageResources: readonly ResourceInfo[] = [
  resource({ ...storage, kind: 'CSIDriver', plural: 'csidrivers' }),
  resource({ ...storage, kind: 'CSINode', plural: 'csinodes' }),
  resource({ ...storage, kind: 'StorageClass', plural: 'storageclasses', shortNames: ['sc'] }),
  resource({ ...storage, kind: 'VolumeAttachment', plural: 'volumeattachments', subresources: [status('VolumeAttachment')] }),
];
