// storage.k8s.io/v1 printers.
import type { KubeObject } from '../object.js';
import { AGE, NAME, col } from './columns.js';
import { age, count, list, obj, objs, str } from './format.js';
import type { Printer } from './types.js';

const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';

export function isDefaultStorageClass(o: KubeObject): boolean {
  const a = o.metadata?.annotations ?? {};
  return a[DEFAULT_CLASS] === 'true' || a[BETA_DEFAULT_CLASS] === 'true';
}

const created = (o: KubeObject, now: Date): string => age(o.metadata?.creationTimestamp, now);
const bool = (v: unknown, fallback: boolean): boolean => (typeof v === 'boolean' ? v : fallback);

export const storageClassPrinter: Printer = {
  columns: [
    NAME,
    col('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
    col('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.'),
    col('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound. When unset, VolumeBindingImmediate is used.'),
    col('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    AGE,
  ],
  cells(o, now) {
    const name = (o.metadata?.name ?? '') + (isDefaultStorageClass(o) ? ' (default)' : '');
    return [name, str(o.provisioner), str(o.reclaimPolicy) || 'Delete', str(o.volumeBindingMode) || 'Immediate', bool(o.allowVolumeExpansion, false), created(o, now)];
  },
};

export const volumeAttachmentPrinter: Printer = {
  columns: [
    NAME,
    col('Attacher', 'string', 'attacher indicates the name of the volume driver that MUST handle this request.', 0, 'name'),
    col('PV', 'string', 'persistentVolumeName represents the name of the persistent volume to attach.'),
    col('Node', 'string', 'nodeName represents the node that the volume should be attached to.'),
    col('Attached', 'boolean', 'attached indicates the volume is successfully attached.'),
    AGE,
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    return [o.metadata?.name ?? '', str(spec.attacher), str(obj(spec.source).persistentVolumeName), str(spec.nodeName), bool(obj(o.status).attached, false), created(o, now)];
  },
};

export const csiNodePrinter: Printer = {
  columns: [NAME, col('Drivers', 'integer', 'Drivers indicates the number of CSI drivers registered on the node'), AGE],
  cells: (o, now) => [o.metadata?.name ?? '', count(obj(o.spec).drivers), created(o, now)],
};

export const csiDriverPrinter: Printer = {
  columns: [
    NAME,
    col('AttachRequired', 'boolean', 'attachRequired indicates this CSI volume driver requires an attach operation.'),
    col('PodInfoOnMount', 'boolean', 'podInfoOnMount indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations.'),
    col('StorageCapacity', 'boolean', 'storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report.'),
    col('TokenRequests', 'string', 'tokenRequests indicates the CSI driver needs pods\' service account tokens it is mounting volume for to do necessary authentication.'),
    col('RequiresRepublish', 'boolean', 'requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume.'),
    col('Modes', 'string', 'volumeLifecycleModes defines what kind of volumes this CSI volume driver supports.'),
    AGE,
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const tokens = spec.tokenRequests === undefined || spec.tokenRequests === null ? '<unset>' : objs(spec.tokenRequests).map((t) => str(t.audience)).join(',');
    const modes = list(spec.volumeLifecycleModes).map(str).join(',') || '<none>';
    return [o.metadata?.name ?? '', bool(spec.attachRequired, true), bool(spec.podInfoOnMount, false), bool(spec.storageCapacity, false), tokens, bool(spec.requiresRepublish, false), modes, created(o, now)];
  },
};
