// Which resource a scaleTargetRef names: Kubernetes maps group + kind through its REST mapper; here built-in
// kinds come from the resource registry and custom ones from their CustomResourceDefinitions (those whose served
// versions declare a scale subresource). The version in apiVersion is not needed: every version has the same /scale.
import { builtinResources } from '../../api/resources/index.js';
import { parseApiVersion } from '../../api/resource.js';
import type { KubeObject } from '../../api/object.js';
import type { Client, ResourceRef } from '../../client/types.js';
import { crdsRef } from './types.js';

interface Crd extends KubeObject {
  spec?: {
    group?: string;
    scope?: string;
    names?: { kind?: string; plural?: string };
    versions?: { name: string; served?: boolean; storage?: boolean; subresources?: { scale?: unknown } }[];
  };
}

export async function scaleTargetResource(client: Client, apiVersion: string | undefined, kind: string): Promise<ResourceRef> {
  const { group } = parseApiVersion(apiVersion ?? '');
  const b = builtinResources.find((r) => r.group === group && r.kind === kind && r.subresources?.some((s) => s.name === 'scale'));
  if (b) return { group, version: b.versions[0] ?? 'v1', resource: b.plural, namespaced: b.namespaced };
  const crds = await client.list<Crd>(crdsRef, undefined);
  for (const c of crds.items) {
    const s = c.spec;
    if (s?.group !== group || s.names?.kind !== kind || !s.names.plural) continue;
    const v = s.versions?.find((x) => x.served !== false && x.storage) ?? s.versions?.find((x) => x.served !== false);
    if (v) return { group, version: v.name, resource: s.names.plural, namespaced: s.scope !== 'Cluster' };
  }
  throw new Error(`no matches for kind "${kind}" in group "${group}"`);
}
