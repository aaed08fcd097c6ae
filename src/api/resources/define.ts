// A compact way to write a ResourceInfo: most built-in types share the same verbs and a status subresource,
// so the group files only spell out what differs.
import { ALL_VERBS, type ResourceInfo, type SubresourceInfo, type Verb } from '../resource.js';

export const CREATE_ONLY: readonly Verb[] = ['create'];
/** Namespaces have no deletecollection (Kubernetes never deletes namespaces in bulk). */
export const NO_DELETECOLLECTION: readonly Verb[] = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export interface ResourceSpec {
  group: string;
  versions: string[];
  kind: string;
  plural: string;
  namespaced: boolean;
  verbs?: readonly Verb[];
  shortNames?: string[];
  categories?: string[];
  subresources?: SubresourceInfo[];
  singular?: string;
}

export function resource(spec: ResourceSpec): ResourceInfo {
  const info: ResourceInfo = {
    group: spec.group,
    versions: spec.versions,
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    plural: spec.plural,
    singular: spec.singular ?? spec.kind.toLowerCase(),
    namespaced: spec.namespaced,
    verbs: spec.verbs ?? ALL_VERBS,
  };
  if (spec.shortNames) info.shortNames = spec.shortNames;
  if (spec.categories) info.categories = spec.categories;
  if (spec.subresources) info.subresources = spec.subresources;
  return info;
}

/** The status subresource speaks the parent's own kind. */
export function status(kind: string): SubresourceInfo {
  return { name: 'status', kind, verbs: ['get', 'patch', 'update'] };
}

/** Every scale subresource speaks autoscaling/v1 Scale, whatever the parent's group. */
export const scale: SubresourceInfo = { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] };

/** Connect-style proxy subresources accept every HTTP method; discovery lists them as these verbs. */
export function proxy(kind: string): SubresourceInfo {
  return { name: 'proxy', kind, verbs: ['create', 'delete', 'get', 'patch', 'update'] };
}
