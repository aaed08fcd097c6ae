// Resolving an ownerReference (apiVersion + kind) to the resource to GET it from: built-in kinds from the
// resource registry, custom kinds from their CustomResourceDefinition. A version the group does not serve is
// replaced by the group's preferred one, so an old apiVersion never reads as "owner gone".
import { parseApiVersion } from '../../api/resource.js';
import { builtinResources } from '../../api/resources/index.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceRef } from '../../client/types.js';

export interface KindInfo {
  ref: ResourceRef;
  kind: string;
}

export interface Crd extends KubeObject {
  spec?: {
    group?: string;
    scope?: string;
    names?: { plural?: string; kind?: string };
    versions?: { name: string; served?: boolean; storage?: boolean }[];
  };
}

export function crdKind(crd: Crd): KindInfo | undefined {
  const s = crd.spec;
  const v = s?.versions?.find((x) => x.storage) ?? s?.versions?.find((x) => x.served);
  if (!s?.group || !s.names?.plural || !s.names.kind || !v) return undefined;
  return { ref: { group: s.group, version: v.name, resource: s.names.plural, namespaced: s.scope === 'Namespaced' }, kind: s.names.kind };
}

/** The resource an ownerReference points at, or undefined when the kind is unknown (then nothing is decided). */
export function resolveKind(apiVersion: string, kind: string, crds: readonly Crd[]): KindInfo | undefined {
  const { group, version } = parseApiVersion(apiVersion);
  const b = builtinResources.find((r) => r.group === group && r.kind === kind);
  if (b) {
    const v = b.versions.includes(version) ? version : (b.versions[0] ?? version);
    return { ref: { group, version: v, resource: b.plural, namespaced: b.namespaced }, kind };
  }
  for (const c of crds) {
    if (c.spec?.group !== group || c.spec.names?.kind !== kind) continue;
    const info = crdKind(c);
    if (!info) return undefined;
    const served = c.spec.versions?.some((x) => x.name === version && x.served !== false);
    return served ? { ...info, ref: { ...info.ref, version } } : info;
  }
  return undefined;
}

/** The kind served at a resource (to fill apiVersion/kind on cached objects before writing them back). */
export function kindOf(ref: ResourceRef, crds: readonly Crd[]): string | undefined {
  const b = builtinResources.find((r) => r.group === ref.group && r.plural === ref.resource);
  if (b) return b.kind;
  for (const c of crds) if (c.spec?.group === ref.group && c.spec.names?.plural === ref.resource) return c.spec.names.kind;
  return undefined;
}
