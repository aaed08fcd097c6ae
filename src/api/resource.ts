// What the API knows about one resource type: enough to route requests, serve discovery and OpenAPI, store
// objects under the right key and print them. Built-in types are listed in src/api/resources/; custom resources
// get a ResourceInfo made from their CustomResourceDefinition.

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export interface SubresourceInfo {
  /** e.g. status, scale, binding, eviction, log, exec, attach, portforward, proxy, token */
  name: string;
  /** The kind the subresource speaks (Pod for status, Scale for scale, Binding, Eviction...). */
  kind: string;
  group?: string;
  version?: string;
  verbs: Verb[] | string[];
}

export interface ResourceInfo {
  /** '' for the core group. */
  group: string;
  /** Versions served, preferred (storage) first, e.g. ['v2', 'v1'] for autoscaling. */
  versions: string[];
  kind: string;
  listKind: string;
  /** Lower-case plural: the path segment. */
  plural: string;
  singular: string;
  namespaced: boolean;
  verbs: readonly Verb[];
  shortNames?: string[];
  categories?: string[];
  subresources?: SubresourceInfo[];
  /** The resource name used in store keys when it differs from plural (Kubernetes keeps e.g. services/specs). */
  storagePath?: string;
}

export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** Splits an apiVersion into group and version ('v1' -> ['', 'v1']). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** Kubernetes writes group-qualified resource names as plural.group ("deployments.apps"); core has no suffix. */
export function qualifiedResource(info: { group: string; plural: string }): string {
  return info.group === '' ? info.plural : `${info.plural}.${info.group}`;
}
