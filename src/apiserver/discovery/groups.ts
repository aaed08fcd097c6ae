// Grouping of ResourceInfo by API group and version, in the order Kubernetes lists them.
import { createHash } from 'node:crypto';
import type { ResourceInfo } from '../../api/resource.js';

/** Kubernetes' group order in /apis (its API server registers groups by priority; unknown groups go last). */
const GROUP_ORDER = [
  'apiregistration.k8s.io', 'apps', 'events.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io',
  'autoscaling', 'batch', 'certificates.k8s.io', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io',
  'storage.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'scheduling.k8s.io',
  'coordination.k8s.io', 'node.k8s.io', 'discovery.k8s.io', 'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io', 'resource.k8s.io', 'storagemigration.k8s.io',
];

/** Kubernetes' version priority: GA before beta before alpha, higher numbers first (v2 > v1 > v1beta2...). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0] as const;
    const stage = m[2] === 'alpha' ? 1 : m[2] === 'beta' ? 2 : 3;
    return [stage, Number(m[1]), Number(m[3] ?? 0)] as const;
  };
  const [sa, ma, na] = parse(a);
  const [sb, mb, nb] = parse(b);
  if (sa !== sb) return sb - sa;
  if (ma !== mb) return mb - ma;
  if (na !== nb) return nb - na;
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface GroupVersions {
  group: string;
  /** Versions served, preferred first. */
  versions: string[];
}

/** Non-core groups with their versions, in Kubernetes' order. */
export function apiGroups(resources: readonly ResourceInfo[]): GroupVersions[] {
  const byGroup = new Map<string, Set<string>>();
  for (const r of resources) {
    if (r.group === '') continue;
    let set = byGroup.get(r.group);
    if (!set) byGroup.set(r.group, (set = new Set()));
    for (const v of r.versions) set.add(v);
  }
  const rank = (g: string) => {
    const i = GROUP_ORDER.indexOf(g);
    return i < 0 ? GROUP_ORDER.length : i;
  };
  return [...byGroup.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([group, vs]) => ({ group, versions: [...vs].sort(compareVersions) }));
}

/** Resources served in one group/version, in registration order. */
export function resourcesIn(resources: readonly ResourceInfo[], group: string, version: string): ResourceInfo[] {
  return resources.filter((r) => r.group === group && r.versions.includes(version));
}

/** Kubernetes' storageVersionHash: base64 of the first 8 bytes of sha256("group/version/kind") of the storage version. */
export function storageVersionHash(r: ResourceInfo): string {
  const storage = r.versions[0] ?? '';
  return createHash('sha256').update(`${r.group}/${storage}/${r.kind}`).digest().subarray(0, 8).toString('base64');
}
