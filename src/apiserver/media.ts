// Content negotiation: which representation the client accepts (JSON, YAML, Table) and how bodies are decoded.
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { errors } from '../api/errors.js';
import { goJsonSyntaxError, goTypeMismatch, summarizeBody } from './go-json-error.js';
import { decodeKubernetesProtobuf } from './protobuf/decode.js';

export interface MediaType {
  type: string; // e.g. application/json
  params: Record<string, string>;
}

export function parseMediaTypes(header: string | undefined): MediaType[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part) => {
      const [type = '', ...ps] = part.split(';').map((s) => s.trim());
      const params: Record<string, string> = {};
      for (const p of ps) {
        const i = p.indexOf('=');
        if (i > 0) params[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim().replace(/^"|"$/g, '');
      }
      return { type: type.toLowerCase(), params };
    })
    .filter((m) => m.type !== '');
}

/** How a response body is written. */
export type Output =
  | { format: 'json' }
  | { format: 'yaml' }
  | { format: 'table'; version: 'v1' | 'v1beta1' }
  | { format: 'partial'; version: 'v1' | 'v1beta1' };

const JSON_TYPES = new Set(['application/json', '*/*', 'application/*', 'application/vnd.kubernetes.protobuf', 'application/vnd.kubernetes.protobuf;stream=watch']);

/**
 * The first acceptable media type. Protobuf is answered with JSON: Tugboat does not speak Kubernetes' protobuf,
 * and clients that ask for it (client-go's protobuf default) fall back to JSON content.
 */
export function negotiateOutput(accept: string | undefined): Output {
  const types = parseMediaTypes(accept);
  if (types.length === 0) return { format: 'json' };
  for (const m of types) {
    const as = m.params['as'];
    if (as && (m.type === 'application/json' || m.type === 'application/yaml')) {
      if (m.params['g'] !== 'meta.k8s.io') continue;
      const v = m.params['v'];
      if (v !== 'v1' && v !== 'v1beta1') continue;
      if (as === 'Table') return { format: 'table', version: v };
      if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { format: 'partial', version: v };
      continue;
    }
    if (m.type === 'application/yaml') return { format: 'yaml' };
    if (JSON_TYPES.has(m.type)) return { format: 'json' };
  }
  throw errors.notAcceptable(
    'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
  );
}

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
}

export function isPatchType(contentType: string | undefined): boolean {
  return (Object.values(PATCH_TYPES) as string[]).includes(mediaTypeOf(contentType));
}

/**
 * How deep a decoded body may nest. The handlers walk objects recursively (defaulting, validation, patching,
 * managed fields), so a body nested thousands of levels deep would overflow the stack; no real object comes
 * near this.
 */
export const MAX_BODY_DEPTH = 1000;

/** Throws 400 when a value nests deeper than MAX_BODY_DEPTH (checked without recursion). */
export function checkBodyDepth(value: unknown): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_BODY_DEPTH) throw errors.badRequest(`the object is nested too deeply: more than ${MAX_BODY_DEPTH} levels`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
}

/** Decodes a request body by its Content-Type. Patch bodies of the JSON kinds are JSON; apply patches YAML. */
export function decodeBody(raw: Buffer, contentType: string | undefined): unknown {
  const body = decodeByType(raw, contentType);
  checkBodyDepth(body);
  return body;
}

function decodeByType(raw: Buffer, contentType: string | undefined): unknown {
  const type = mediaTypeOf(contentType);
  const text = raw.toString('utf8');
  if (type === 'application/yaml' || type === PATCH_TYPES.apply) {
    try {
      const docs = parseAllDocuments(text);
      const first = docs[0];
      if (!first) throw new Error('empty body');
      if (first.errors.length > 0) throw first.errors[0]!;
      return parseYaml(text, { uniqueKeys: false });
    } catch (e) {
      throw errors.badRequest(`error decoding YAML: ${(e as Error).message}`);
    }
  }
  if (type === 'application/json' || type === '' || type === '*/*') return decodeObjectJson(raw, text);
  if (
    type === PATCH_TYPES.json ||
    type === PATCH_TYPES.merge ||
    type === PATCH_TYPES.strategic
  ) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw errors.badRequest(`the object provided is unrecognized and could not be decoded: ${(e as Error).message}`);
    }
  }
  // kubectl 1.32+ typed clients (create namespace, configmap, secret...) send protobuf.
  if (type === 'application/vnd.kubernetes.protobuf') return decodeKubernetesProtobuf(raw);
  throw errors.unsupportedMediaType(type);
}

/**
 * An object body (create, update, delete options). Kubernetes first reads apiVersion and kind from it with Go's
 * encoding/json, so malformed JSON or a non-object gets that step's error, after a summary of the body.
 */
function decodeObjectJson(raw: Buffer, text: string): unknown {
  let value: unknown;
  let why: string | undefined;
  try {
    value = JSON.parse(text);
    why = goTypeMismatch(value);
  } catch (e) {
    why = goJsonSyntaxError(raw) ?? (e as Error).message;
  }
  if (why === undefined) return value;
  throw errors.badRequest(`the object provided is unrecognized (${summarizeBody(raw)}): couldn't get version/kind; json parse error: ${why}`);
}
