// DefaultStorageClass (Kubernetes' admission plugin of that name): a claim created without
// spec.storageClassName (absent, not "": an empty string asks for no class) and without the beta class
// annotation gets the class annotated storageclass.kubernetes.io/is-default-class=true. With several defaults
// the newest wins, ties broken by name, as Kubernetes does since 1.26; with none the claim is left alone.
import { isPlainObject, type KubeObject } from '../../api/object.js';
import { listObjects } from './lookup.js';
import type { AdmissionPlugin } from './types.js';

export const ANN_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const ANN_BETA_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';
const ANN_BETA_CLASS = 'volume.beta.kubernetes.io/storage-class';

const isDefault = (c: KubeObject) => {
  const a = c.metadata?.annotations ?? {};
  return a[ANN_DEFAULT_CLASS] === 'true' || a[ANN_BETA_DEFAULT_CLASS] === 'true';
};

/** The default class: newest creationTimestamp first, then name (storage and ingress classes alike). */
export function pickDefaultClass(classes: KubeObject[], marked: (c: KubeObject) => boolean = isDefault): KubeObject | undefined {
  const defaults = classes.filter(marked);
  defaults.sort((a, b) => {
    const ta = a.metadata?.creationTimestamp ?? '';
    const tb = b.metadata?.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? 1 : -1;
    return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
  });
  return defaults[0];
}

export const defaultStorageClass: AdmissionPlugin = {
  name: 'DefaultStorageClass',
  async admit(a) {
    if (a.operation !== 'create' || a.group !== '' || a.resource !== 'persistentvolumeclaims' || a.subresource) return;
    if (a.obj.metadata?.annotations?.[ANN_BETA_CLASS] !== undefined) return;
    if (a.obj.spec === undefined || a.obj.spec === null) a.obj.spec = {};
    const spec = a.obj.spec;
    if (!isPlainObject(spec) || (spec['storageClassName'] !== undefined && spec['storageClassName'] !== null)) return;
    const cls = pickDefaultClass(await listObjects(a, 'storage.k8s.io', 'storageclasses'));
    const name = cls?.metadata?.name;
    if (name) spec['storageClassName'] = name;
  },
};
