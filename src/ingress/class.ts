// Which Ingresses this controller serves, and the IngressClass it creates for itself.
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/errors.js';
import { ingressclasses, type Client } from '../client/index.js';

export const CONTROLLER_NAME = 'tugboat.dev/ingress';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/**
 * Served when spec.ingressClassName names our class; or, without it, when the legacy annotation names our class;
 * or, with neither, when our class is marked the cluster's default.
 */
export function servesIngress(ing: Ingress, className: string, ourClass: IngressClass | undefined): boolean {
  const named = ing.spec?.ingressClassName;
  if (named) return named === className;
  const legacy = ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
  if (legacy) return legacy === className;
  return ourClass?.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true';
}

/** Creates our IngressClass, marked default, unless a class of that name exists (then it is left as the user has it). */
export async function ensureIngressClass(client: Client, className: string): Promise<void> {
  const cls: IngressClass & KubeObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: className, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
    spec: { controller: CONTROLLER_NAME },
  };
  try {
    await client.get(ingressclasses, undefined, className);
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
    try {
      await client.create(ingressclasses, undefined, cls);
    } catch (e2) {
      if (!(e2 instanceof ApiError && e2.code === 409)) throw e2;
    }
  }
}
