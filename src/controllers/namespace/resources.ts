// Which resource types a namespace can hold: the built-in namespaced types that can be listed and deleted, plus
// namespaced custom resources (from the CustomResourceDefinitions, read live so a new CRD is never missed).
import { builtinResources } from '../../api/resources/index.js';
import type { Client, ResourceRef } from '../../client/types.js';

export const CRDS: ResourceRef = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', namespaced: false };

export function builtinNamespacedRefs(): ResourceRef[] {
  return builtinResources
    .filter((r) => r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete'))
    .map((r) => ({ group: r.group, version: r.versions[0] ?? 'v1', resource: r.plural, namespaced: true }));
}

interface Crd {
  spec?: { group?: string; scope?: string; names?: { plural?: string }; versions?: { name: string; served?: boolean; storage?: boolean }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

/** A CRD's resource, at its storage version (or the first served one); undefined for cluster-scoped ones. */
export function crdRef(crd: Crd): ResourceRef | undefined {
  const s = crd.spec;
  if (!s?.group || !s.names?.plural || s.scope !== 'Namespaced') return undefined;
  const v = s.versions?.find((x) => x.storage) ?? s.versions?.find((x) => x.served);
  return v ? { group: s.group, version: v.name, resource: s.names.plural, namespaced: true } : undefined;
}

export async function namespacedRefs(client: Client): Promise<ResourceRef[]> {
  const crds = await client.list(CRDS, undefined);
  return [...builtinNamespacedRefs(), ...crds.items.map((c) => crdRef(c as Crd)).filter((r): r is ResourceRef => r !== undefined)];
}
