// The pod-template-hash. Kubernetes hashes the template with FNV-32a (over a dump of the Go struct), adds the
// collision count as 8 bytes (uint32 little-endian, zero-padded) when set, and renders the decimal digits of the
// 32-bit sum through its "safe" alphabet (rand.SafeEncodeString) so the result never spells words. We hash a
// canonical JSON of the template instead of a Go dump, so our values differ from Kubernetes' but are stable,
// change with any template change, and look the same (e.g. "5d59d67564").
import type { PodTemplateSpec } from '../common/types.js';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Each character maps to SAFE_ALPHABET[code % 27], as Kubernetes' SafeEncodeString. */
export function safeEncode(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHABET[ch.codePointAt(0)! % SAFE_ALPHABET.length];
  return out;
}

/** JSON with object keys sorted, so equal templates hash equally whatever their key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let bytes = Buffer.from(canonicalJson(template ?? {}));
  if (collisionCount !== undefined && collisionCount !== null) {
    const extra = Buffer.alloc(8);
    extra.writeUInt32LE(collisionCount >>> 0, 0);
    bytes = Buffer.concat([bytes, extra]);
  }
  return safeEncode(String(fnv32a(bytes)));
}
