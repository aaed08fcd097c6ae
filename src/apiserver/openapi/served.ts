// What the OpenAPI documents describe: every served group/version/kind with its definition name, and the
// definitions themselves (built-ins from the schema package, custom resources from their CRD schemas).
import type { ResourceInfo } from '../../api/resource.js';
import { builtinDefinitions, crdRootSchema, crdSchemaFor, definitionNameFor, type CrdSchemas, type Schema } from '../../api/schema/index.js';

export interface OpenApiOptions {
  /**
   * Schemas of custom resources: "group/version/Kind" -> the CRD's spec.versions[].schema.openAPIV3Schema.
   * Resources whose info has no built-in definition and no entry here are described without a schema.
   */
  crdSchemas?: CrdSchemas;
  /** Bump when crdSchemas change in place (the cache also notices a new resources array or crdSchemas object). */
  generation?: number;
  /** Version shown in info.version. */
  serverVersion?: string;
}

export interface ServedKind {
  info: ResourceInfo;
  version: string;
  /** Definition of the kind and of its list, when known. */
  def?: string;
  listDef?: string;
}

/** Kubernetes names CRD definitions by the reversed group: stable.example.com -> com.example.stable.v1.CronTab */
export function crdDefinitionName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

export interface Model {
  kinds: ServedKind[];
  definitions: Map<string, Schema>;
}

function crdListSchema(group: string, version: string, kind: string, listKind: string, itemDef: string): Schema {
  return {
    description: `${listKind} is a list of ${kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      items: { type: 'array', description: `List of ${kind.toLowerCase()}s. More info: https://git.k8s.io/community/contributors/devel/api-conventions.md`, items: { $ref: `#/definitions/${itemDef}` } },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', description: 'Standard list metadata.' },
    },
    'x-kubernetes-group-version-kind': [{ group, version, kind: listKind }],
  };
}

export function buildModel(resources: readonly ResourceInfo[], opts: OpenApiOptions = {}): Model {
  const builtin = builtinDefinitions();
  const definitions = new Map<string, Schema>(builtin.schemas);
  const kinds: ServedKind[] = [];
  for (const info of resources) {
    for (const version of info.versions) {
      const crd = crdSchemaFor(opts.crdSchemas, info.group, version, info.kind);
      if (crd) {
        const def = crdDefinitionName(info.group, version, info.kind);
        const listDef = crdDefinitionName(info.group, version, info.listKind);
        definitions.set(def, { ...crdRootSchema(crd), 'x-kubernetes-group-version-kind': [{ group: info.group, version, kind: info.kind }] });
        definitions.set(listDef, crdListSchema(info.group, version, info.kind, info.listKind, def));
        kinds.push({ info, version, def, listDef });
        continue;
      }
      const k: ServedKind = { info, version };
      const def = definitionNameFor(info.group, version, info.kind);
      const listDef = definitionNameFor(info.group, version, info.listKind);
      if (def) k.def = def;
      if (listDef) k.listDef = listDef;
      kinds.push(k);
    }
  }
  return { kinds, definitions };
}

/** Definitions reachable from `roots` through $refs (for one group/version's v3 document). */
export function reachable(definitions: Map<string, Schema>, roots: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  const visit = (s: unknown): void => {
    if (Array.isArray(s)) return s.forEach(visit);
    if (typeof s !== 'object' || s === null) return;
    for (const [k, v] of Object.entries(s)) {
      if (k === '$ref' && typeof v === 'string') stack.push(v.slice(v.lastIndexOf('/') + 1));
      else if (typeof v === 'object') visit(v);
    }
  };
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name) || !definitions.has(name)) continue;
    seen.add(name);
    visit(definitions.get(name));
  }
  return seen;
}
