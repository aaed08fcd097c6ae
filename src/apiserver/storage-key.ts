// Store keys laid out as Kubernetes lays them in etcd: /registry/<resource>/<namespace>/<name> for built-in
// types (no group segment, e.g. /registry/deployments/default/web) and /registry/<group>/<resource>/... for
// custom resources and the few groups Kubernetes stores that way.
import type { ResourceInfo } from '../api/resource.js';

const GROUPED = new Set(['apiextensions.k8s.io', 'apiregistration.k8s.io']);

export function resourcePrefix(info: ResourceInfo, custom: boolean): string {
  const path = info.storagePath ?? info.plural;
  return custom || GROUPED.has(info.group) ? `/registry/${info.group}/${path}/` : `/registry/${path}/`;
}

/** The prefix of a collection: every namespace, or one. */
export function collectionPrefix(info: ResourceInfo, custom: boolean, namespace?: string): string {
  const base = resourcePrefix(info, custom);
  return info.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function objectKey(info: ResourceInfo, custom: boolean, namespace: string | undefined, name: string): string {
  const base = resourcePrefix(info, custom);
  return info.namespaced ? `${base}${namespace ?? ''}/${name}` : `${base}${name}`;
}
