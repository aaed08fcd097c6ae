// The built-in definitions, read once from the kubernetes-types package (Kubernetes 1.30's OpenAPI, with
// every field's documentation) and completed with the patch metadata Kubernetes keeps in struct tags.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { parseDeclarations } from './dts-parser.js';
import { INT_OR_STRING, QUANTITY } from './packages.js';
import { PATCH_TABLE } from './patch-table.js';
import type { Schema } from './types.js';

/** The npm package the built-in schemas come from (its version is the Kubernetes release: Definitions.sourceVersion). */
export const SCHEMA_SOURCE = 'kubernetes-types';

export interface Definitions {
  /** OpenAPI definition name ("io.k8s.api.apps.v1.Deployment") -> schema. */
  schemas: Map<string, Schema>;
  /** definition name -> Go type ("v1.Deployment"), for decode error messages. */
  goTypes: Map<string, string>;
  /** "group/version/Kind" -> definition name. */
  byGvk: Map<string, string>;
  /** Kubernetes version of the source package, e.g. "1.30.0". */
  sourceVersion: string;
}

let loaded: Definitions | undefined;

function listDeclarationFiles(root: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(root)) {
    const p = join(root, entry);
    if (statSync(p).isDirectory()) out.push(...listDeclarationFiles(p));
    else if (entry.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

/** All built-in definitions (parsed on first use, about 50 ms, then kept). */
export function builtinDefinitions(): Definitions {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('kubernetes-types/package.json');
  const root = dirname(pkgJson);
  const sourceVersion = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  const schemas = new Map<string, Schema>();
  const goTypes = new Map<string, string>();
  const byGvk = new Map<string, string>();
  for (const file of listDeclarationFiles(root)) {
    const modulePath = relative(root, file).replace(/\.d\.ts$/, '').split('\\').join('/');
    for (const d of parseDeclarations(modulePath, readFileSync(file, 'utf8'))) {
      schemas.set(d.name, d.schema);
      goTypes.set(d.name, d.goType);
      for (const gvk of d.schema['x-kubernetes-group-version-kind'] ?? []) {
        byGvk.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, d.name);
      }
    }
  }
  schemas.set(INT_OR_STRING, {
    description: 'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    type: 'string',
    format: 'int-or-string',
  });
  goTypes.set(INT_OR_STRING, 'intstr.IntOrString');
  goTypes.set(QUANTITY, 'resource.Quantity');
  applyPatchTable(schemas);
  loaded = { schemas, goTypes, byGvk, sourceVersion };
  return loaded;
}

function applyPatchTable(schemas: Map<string, Schema>): void {
  for (const [defName, fields] of Object.entries(PATCH_TABLE)) {
    const def = schemas.get(defName);
    if (!def) continue;
    for (const [fieldName, m] of Object.entries(fields)) {
      const target = fieldName === '' ? def : def.properties?.[fieldName];
      if (!target) continue;
      if (m.strategy) target['x-kubernetes-patch-strategy'] = m.strategy;
      if (m.mergeKey) target['x-kubernetes-patch-merge-key'] = m.mergeKey;
      if (m.listType) target['x-kubernetes-list-type'] = m.listType;
      if (m.listMapKeys) target['x-kubernetes-list-map-keys'] = m.listMapKeys;
      if (m.mapType) target['x-kubernetes-map-type'] = m.mapType;
    }
  }
}

/** Follows a "#/definitions/..." (or "#/components/schemas/...") reference. */
export function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}
