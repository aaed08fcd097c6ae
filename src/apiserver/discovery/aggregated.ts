// Aggregated discovery (apidiscovery.k8s.io v2 and v2beta1): one document for /api (core) or /apis (all
// other groups) listing every group, version and resource.
//
// Content negotiation (done by the server): kubectl sends
//   Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,
//           application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json
// (1.27-1.29 offer only v2beta1). When one of these is accepted the answer's Content-Type must carry the same
// parameters, e.g. `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList` (see
// aggregatedContentType): kubectl decides by the Content-Type, not the body. Otherwise answer the legacy
// document (coreApiVersions / apiGroupList) as plain application/json. The body's apiVersion must match
// (apidiscovery.k8s.io/v2 or /v2beta1); the two versions have the same fields.
import type { ResourceInfo } from '../../api/resource.js';
import { apiGroups, resourcesIn } from './groups.js';

export type DiscoveryVersion = 'v2' | 'v2beta1';

export function aggregatedContentType(version: DiscoveryVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

/**
 * Picks the aggregated discovery version from an Accept header, or undefined for legacy discovery.
 * Follows the client's order of preference (q-values are not used by kubectl).
 */
export function negotiateAggregated(accept: string | undefined): DiscoveryVersion | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const params = new Map<string, string>();
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    for (const p of rest) {
      const i = p.indexOf('=');
      if (i > 0) params.set(p.slice(0, i).trim(), p.slice(i + 1).trim());
    }
    if (type !== 'application/json' && type !== '*/*') continue;
    if (params.get('g') !== 'apidiscovery.k8s.io' || params.get('as') !== 'APIGroupDiscoveryList') {
      if (params.size === 0 || (params.size === 1 && params.has('q'))) return undefined; // plain JSON wins
      continue;
    }
    const v = params.get('v');
    if (v === 'v2' || v === 'v2beta1') return v;
  }
  return undefined;
}

function resourceDiscovery(r: ResourceInfo, version: string): object {
  const d: Record<string, unknown> = {
    resource: r.plural,
    responseKind: { group: r.group, version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: [...r.verbs],
  };
  if (r.shortNames?.length) d.shortNames = [...r.shortNames];
  if (r.categories?.length) d.categories = [...r.categories];
  if (r.subresources?.length) {
    d.subresources = r.subresources.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group ?? r.group, version: s.version ?? version, kind: s.kind },
      verbs: [...s.verbs],
    }));
  }
  return d;
}

function groupDiscovery(resources: readonly ResourceInfo[], group: string, versions: string[]): object {
  return {
    metadata: group === '' ? { creationTimestamp: null } : { name: group, creationTimestamp: null },
    versions: versions.map((v) => ({
      version: v,
      resources: resourcesIn(resources, group, v).map((r) => resourceDiscovery(r, v)),
      freshness: 'Current',
    })),
  };
}

/** APIGroupDiscoveryList for /api (scope 'core': the legacy v1 group) or /apis (every named group). */
export function aggregatedDiscovery(resources: readonly ResourceInfo[], scope: 'core' | 'apis', version: DiscoveryVersion): object {
  const items =
    scope === 'core'
      ? resources.some((r) => r.group === '')
        ? [groupDiscovery(resources, '', ['v1'])]
        : []
      : apiGroups(resources).map((g) => groupDiscovery(resources, g.group, g.versions));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items,
  };
}
