// What the published ConfigMap looks like, and whether one found in a namespace already says the right thing.
import type { KubeObject } from '../../api/object.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const CA_KEY = 'ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
// Same value kube-controller-manager writes: clients and tools may compare it, so it is kept word for word.
export const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

export function desiredConfigMap(namespace: string, caPem: string): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
    data: { [CA_KEY]: caPem },
  };
}

/**
 * As Kubernetes judges it: data must be exactly { ca.crt: the bundle } (stray keys are removed too), and the
 * description annotation must be present (any non-empty text is accepted, so a reworded one is not fought over).
 */
export function isPublished(cm: ConfigMap, caPem: string): boolean {
  const keys = Object.keys(cm.data ?? {});
  return keys.length === 1 && cm.data?.[CA_KEY] === caPem && !!cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION];
}

/** A copy of cm with the bundle and the annotation put right; everything else (labels, binaryData...) kept. */
export function corrected(cm: ConfigMap, caPem: string): ConfigMap {
  const out = structuredClone(cm);
  out.data = { [CA_KEY]: caPem };
  out.metadata = { ...out.metadata, annotations: { ...out.metadata?.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION } };
  return out;
}
