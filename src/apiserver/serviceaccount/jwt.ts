// Compact JWS (RS256) signing and checking with node:crypto: enough JWT for service account tokens, which
// anyone holding the public key can verify offline.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export type JwtPayload = Record<string, unknown>;

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** Kubernetes' key id: base64url of the SHA-256 of the public key's DER (SubjectPublicKeyInfo). */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return b64url(createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest());
}

export function signJwt(payload: JwtPayload, privateKey: KeyObject, kid = keyId(privateKey)): string {
  const head = b64url(JSON.stringify({ alg: 'RS256', kid }));
  const body = b64url(JSON.stringify(payload));
  const sig = sign('sha256', Buffer.from(`${head}.${body}`), privateKey);
  return `${head}.${body}.${b64url(sig)}`;
}

/** The payload when the token is a well-formed RS256 JWS signed by publicKey; undefined otherwise. */
export function verifyJwt(token: string, publicKey: KeyObject): JwtPayload | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [head, body, sig] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
    if (header.alg !== 'RS256') return undefined;
    if (!verify('sha256', Buffer.from(`${head}.${body}`), publicKey, Buffer.from(sig, 'base64url'))) return undefined;
    const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as JwtPayload) : undefined;
  } catch {
    return undefined;
  }
}
