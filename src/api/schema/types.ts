// The schema shape used everywhere in Tugboat: an OpenAPI (swagger 2.0 / v3 structural) schema object.
// Built-in definitions reference each other with "#/definitions/<name>"; the v3 writer rewrites the prefix.

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface Schema {
  description?: string;
  type?: string;
  format?: string;
  $ref?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  enum?: unknown[];
  default?: unknown;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  nullable?: boolean;
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [extension: `x-${string}`]: unknown;
}

/** A CRD's structural schema (spec.versions[].schema.openAPIV3Schema), keyed by "group/version/Kind". */
export type CrdSchemas = ReadonlyMap<string, Schema> | Readonly<Record<string, Schema>>;

export function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

export function crdSchemaFor(crds: CrdSchemas | undefined, group: string, version: string, kind: string): Schema | undefined {
  if (!crds) return undefined;
  const key = gvkKey(group, version, kind);
  if (crds instanceof Map) return crds.get(key);
  return (crds as Readonly<Record<string, Schema>>)[key];
}
