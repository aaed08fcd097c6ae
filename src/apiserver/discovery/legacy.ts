// Legacy discovery documents: /api, /apis, /apis/<group>, /api/v1 and /apis/<group>/<version>.
// Served as plain application/json (kind names and field names as in k8s.io/apimachinery meta/v1).
import type { ResourceInfo } from '../../api/resource.js';
import { apiVersionOf } from '../../api/resource.js';
import { apiGroups, resourcesIn, storageVersionHash } from './groups.js';

interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

function groupDoc(group: string, versions: string[]) {
  const list: GroupVersionForDiscovery[] = versions.map((v) => ({ groupVersion: apiVersionOf(group, v), version: v }));
  return { name: group, versions: list, preferredVersion: list[0]! };
}

/** GET /api: APIVersions. */
export function coreApiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** GET /apis: APIGroupList (every group but core). */
export function apiGroupList(resources: readonly ResourceInfo[]): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: apiGroups(resources).map((g) => groupDoc(g.group, g.versions)),
  };
}

/** GET /apis/<group>: APIGroup, or undefined when the group does not exist (the server answers 404). */
export function apiGroup(resources: readonly ResourceInfo[], group: string): object | undefined {
  const g = apiGroups(resources).find((x) => x.group === group);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g.group, g.versions) } : undefined;
}

/** One resource and its subresources as APIResource entries ("pods", "pods/status", ...). */
export function apiResourceEntries(r: ResourceInfo): object[] {
  const main: Record<string, unknown> = {
    name: r.plural,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: [...r.verbs],
  };
  if (r.shortNames?.length) main.shortNames = [...r.shortNames];
  if (r.categories?.length) main.categories = [...r.categories];
  main.storageVersionHash = storageVersionHash(r);
  const out: object[] = [main];
  for (const s of r.subresources ?? []) {
    const e: Record<string, unknown> = { name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced };
    // group/version appear only when the subresource speaks another group's kind (deployments/scale: autoscaling/v1 Scale).
    if (s.group !== undefined && s.group !== r.group) e.group = s.group;
    if (s.version !== undefined && (s.group !== undefined && s.group !== r.group)) e.version = s.version;
    e.kind = s.kind;
    e.verbs = [...s.verbs];
    out.push(e);
  }
  return out;
}

/** GET /api/v1 or /apis/<group>/<version>: APIResourceList, or undefined (404). */
export function apiResourceList(resources: readonly ResourceInfo[], group: string, version: string): object | undefined {
  const list = resourcesIn(resources, group, version);
  if (list.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(group, version),
    resources: list.flatMap((r) => apiResourceEntries(r)),
  };
}
