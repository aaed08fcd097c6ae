// Discovery documents (STUB: the schema/discovery engineer fills these in).
import type { ResourceInfo } from '../../api/resource.js';

/** GET /api: APIVersions. */
export function coreApiVersions(_serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
}
/** GET /apis: APIGroupList (legacy discovery). */
export function apiGroupList(_resources: readonly ResourceInfo[]): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [] };
}
/** GET /apis/<group>: APIGroup, or undefined when the group does not exist. */
export function apiGroup(_resources: readonly ResourceInfo[], _group: string): object | undefined {
  return undefined;
}
/** GET /api/v1 or /apis/<group>/<version>: APIResourceList, or undefined. */
export function apiResourceList(_resources: readonly ResourceInfo[], _group: string, _version: string): object | undefined {
  return undefined;
}
/** Aggregated discovery (apidiscovery.k8s.io) for /api (core) or /apis. */
export function aggregatedDiscovery(_resources: readonly ResourceInfo[], _scope: 'core' | 'apis', _version: 'v2' | 'v2beta1'): object {
  return {};
}
