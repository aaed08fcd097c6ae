// DefaultIngressClass (Kubernetes' admission plugin of that name): an Ingress created without
// spec.ingressClassName and without the legacy kubernetes.io/ingress.class annotation gets the IngressClass
// annotated ingressclass.kubernetes.io/is-default-class=true (the newest when several are, as for storage
// classes), so `kubectl get ingress` shows its CLASS.
import { isPlainObject, type KubeObject } from '../../api/object.js';
import { pickDefaultClass } from './default-storage-class.js';
import { listObjects } from './lookup.js';
import type { AdmissionPlugin } from './types.js';

const ANN_DEFAULT = 'ingressclass.kubernetes.io/is-default-class';
const ANN_LEGACY_CLASS = 'kubernetes.io/ingress.class';

const isDefault = (c: KubeObject) => c.metadata?.annotations?.[ANN_DEFAULT] === 'true';

export const defaultIngressClass: AdmissionPlugin = {
  name: 'DefaultIngressClass',
  async admit(a) {
    if (a.operation !== 'create' || a.group !== 'networking.k8s.io' || a.resource !== 'ingresses' || a.subresource) return;
    if (a.obj.metadata?.annotations?.[ANN_LEGACY_CLASS] !== undefined) return;
    if (a.obj.spec === undefined || a.obj.spec === null) a.obj.spec = {};
    const spec = a.obj.spec;
    if (!isPlainObject(spec) || (spec['ingressClassName'] !== undefined && spec['ingressClassName'] !== null)) return;
    const name = pickDefaultClass(await listObjects(a, 'networking.k8s.io', 'ingressclasses'), isDefault)?.metadata?.name;
    if (name) spec['ingressClassName'] = name;
  },
};
