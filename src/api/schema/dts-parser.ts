// Reads the declaration files of the kubernetes-types package (generated from Kubernetes' own OpenAPI, one
// file per group/version, every field with its documentation) into OpenAPI definitions. The files are
// machine-written and regular: `/** doc */` comments, `export interface X {`, `name?: T;`, `export type X = T;`.
import { INT_OR_STRING, QUANTITY, moduleOrigin } from './packages.js';
import type { GroupVersionKind, Schema } from './types.js';

export interface ParsedDefinition {
  name: string;
  schema: Schema;
  /** Go type as Go prints it: "v1.DeploymentSpec". */
  goType: string;
  /** Bare struct name: "DeploymentSpec". */
  goName: string;
}

/** Integer fields Kubernetes declares as int64 (kubernetes-types only says `number`); the rest are int32. */
const INT64_FIELDS = new Set([
  'generation', 'observedGeneration', 'deletionGracePeriodSeconds', 'activeDeadlineSeconds',
  'terminationGracePeriodSeconds', 'runAsUser', 'runAsGroup', 'fsGroup', 'supplementalGroups',
  'expirationSeconds', 'gracePeriodSeconds', 'startingDeadlineSeconds', 'remainingItemCount',
  'tokenExpirationSeconds', 'seconds', 'nanos',
]);

interface Cursor {
  lines: string[];
  i: number;
}

/** Reads a JSDoc comment starting at the current line; returns its text (lines joined with \n). */
function readComment(c: Cursor): string {
  const first = c.lines[c.i]!.trim();
  if (first.endsWith('*/')) {
    c.i++;
    return first.slice(3, -2).trim();
  }
  const out: string[] = [];
  const rest = first.slice(3).trim();
  if (rest) out.push(rest);
  for (c.i++; c.i < c.lines.length; c.i++) {
    const line = c.lines[c.i]!.trim();
    if (line.startsWith('*/')) {
      c.i++;
      break;
    }
    out.push(line.replace(/^\* ?/, '').replace(/^\*$/, ''));
  }
  return out.join('\n').trim();
}

/** Resolves a type expression (already joined onto one line) to a schema. */
function typeSchema(expr: string, field: string, resolve: (name: string) => string | undefined): Schema {
  const t = expr.trim().replace(/;$/, '').trim();
  if (t === 'string' || /^"[^"]*"$/.test(t)) return { type: 'string' };
  if (t === 'boolean') return { type: 'boolean' };
  if (t === 'number') return { type: 'integer', format: INT64_FIELDS.has(field) ? 'int64' : 'int32' };
  if (t === 'number | string') return { $ref: `#/definitions/${INT_OR_STRING}` };
  const arr = /^Array<(.+)>$/.exec(t) ?? /^(\w+)\[\]$/.exec(t);
  if (arr) return { type: 'array', items: typeSchema(arr[1]!, field, resolve) };
  const map = /^\{\s*\[name: string\]:\s*(.+?);?\s*\}$/.exec(t);
  if (map) return { type: 'object', additionalProperties: typeSchema(map[1]!, field, resolve) };
  if (t === 'Quantity') return { $ref: `#/definitions/${QUANTITY}` };
  const def = resolve(t);
  if (def) return { $ref: `#/definitions/${def}` };
  // JSON, unions such as JSONSchemaProps | boolean: any JSON value.
  return { 'x-kubernetes-preserve-unknown-fields': true };
}

/**
 * Parses one declaration file. `modulePath` is its path inside the package without the extension
 * ("apps/v1"); `importsFrom` maps a relative import ("../meta/v1") to a module path.
 */
export function parseDeclarations(modulePath: string, text: string): ParsedDefinition[] {
  const origin = moduleOrigin(modulePath);
  const lines = text.split('\n');
  const imported = new Map<string, string>();
  const local = new Set<string>();
  for (const line of lines) {
    const imp = /^import \{([^}]*)\} from "([^"]+)";/.exec(line);
    if (imp) {
      const target = joinModule(modulePath, imp[2]!);
      for (const n of imp[1]!.split(',')) if (n.trim()) imported.set(n.trim(), moduleOrigin(target).prefix);
    }
    const decl = /^export (?:interface|type) (\w+)/.exec(line);
    if (decl) local.add(decl[1]!);
  }
  const resolve = (name: string): string | undefined => {
    if (local.has(name)) return `${origin.prefix}.${name}`;
    const p = imported.get(name);
    return p ? `${p}.${name}` : undefined;
  };

  const defs: ParsedDefinition[] = [];
  const c: Cursor = { lines, i: 0 };
  let doc = '';
  while (c.i < lines.length) {
    const line = lines[c.i]!;
    const trimmed = line.trim();
    if (trimmed.startsWith('/**')) {
      doc = readComment(c);
      continue;
    }
    const alias = /^export type (\w+) = (.+);$/.exec(trimmed);
    if (alias) {
      const name = alias[1]!;
      const schema: Schema = aliasSchema(name, alias[2]!, resolve);
      if (doc) schema.description = doc;
      defs.push({ name: `${origin.prefix}.${name}`, schema, goName: name, goType: `${origin.goPackage}.${name}` });
      doc = '';
      c.i++;
      continue;
    }
    const iface = /^export interface (\w+) \{$/.exec(trimmed);
    if (iface) {
      c.i++;
      const name = iface[1]!;
      defs.push({ name: `${origin.prefix}.${name}`, schema: readInterface(c, doc, resolve), goName: name, goType: `${origin.goPackage}.${name}` });
      doc = '';
      continue;
    }
    c.i++;
  }
  return defs;
}

function aliasSchema(name: string, expr: string, resolve: (n: string) => string | undefined): Schema {
  if (name === 'Time') return { type: 'string', format: 'date-time' };
  if (name === 'MicroTime') return { type: 'string', format: 'date-time' };
  if (name === 'Quantity') return { type: 'string' };
  return typeSchema(expr, '', resolve);
}

function readInterface(c: Cursor, doc: string, resolve: (n: string) => string | undefined): Schema {
  const schema: Schema = { type: 'object' };
  if (doc) schema.description = doc;
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  let apiVersion: string | undefined;
  let kind: string | undefined;
  let fieldDoc = '';
  while (c.i < c.lines.length) {
    const trimmed = c.lines[c.i]!.trim();
    if (trimmed === '}') {
      c.i++;
      break;
    }
    if (trimmed.startsWith('/**')) {
      fieldDoc = readComment(c);
      continue;
    }
    const prop = /^(readonly )?("[^"]+"|[\w$]+)(\?)?: (.*)$/.exec(trimmed);
    if (!prop) {
      c.i++;
      continue;
    }
    let expr = prop[4]!;
    c.i++;
    // A map type spans lines: `{`, `[name: string]: T;`, `};`
    if (expr === '{') {
      while (c.i < c.lines.length) {
        const l = c.lines[c.i]!.trim();
        c.i++;
        expr += ` ${l}`;
        if (l.startsWith('}')) break;
      }
    }
    const name = prop[2]!.replace(/^"|"$/g, '');
    const s = typeSchema(expr, name, resolve);
    const literal = /^"([^"]*)";$/.exec(expr.trim());
    if (literal && name === 'apiVersion') apiVersion = literal[1];
    if (literal && name === 'kind') kind = literal[1];
    // A $ref keeps its description beside it, as swagger 2.0 documents do; the v3 writer wraps it in allOf.
    const withDoc: Schema = fieldDoc ? { ...s, description: fieldDoc } : s;
    properties[name] = withDoc;
    if (!prop[3]) required.push(name);
    fieldDoc = '';
  }
  if (Object.keys(properties).length > 0) schema.properties = properties;
  else schema['x-kubernetes-preserve-unknown-fields'] = true; // RawExtension, FieldsV1: free-form JSON
  if (required.length > 0) schema.required = required;
  if (apiVersion !== undefined && kind !== undefined) {
    const i = apiVersion.lastIndexOf('/');
    const gvk: GroupVersionKind = i < 0 ? { group: '', version: apiVersion, kind } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1), kind };
    schema['x-kubernetes-group-version-kind'] = [gvk];
  }
  return schema;
}

function joinModule(from: string, rel: string): string {
  const parts = from.split('/');
  parts.pop();
  for (const seg of rel.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.') parts.push(seg);
  }
  return parts.join('/');
}
