// List continuation tokens in Kubernetes' form: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"},
// where start is the next key relative to the resource prefix and rv the revision of the first page.
import { errors } from '../api/errors.js';

export function encodeContinue(lastKey: string, prefix: string, revision: number): string {
  const start = `${lastKey.slice(prefix.length)}\u0000`;
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: revision, start })).toString('base64');
}

/** Returns the key to continue after (exclusive) and the revision to read at. */
export function decodeContinue(token: string, prefix: string): { after: string; revision: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw errors.badRequest('continue key is not valid: illegal base64 data at input byte 0');
  }
  const t = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (t.v !== 'meta.k8s.io/v1') throw errors.badRequest('continue key is not valid: server does not recognize this encoded key');
  if (typeof t.rv !== 'number' || typeof t.start !== 'string' || t.start.includes('..') || t.start.startsWith('/')) {
    throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  // start is the first key of the next page ("key\0" sorts right after "key"), so continue after "key".
  const start = t.start.endsWith('\u0000') ? t.start.slice(0, -1) : t.start;
  return { after: prefix + start, revision: t.rv };
}
