// A client for one repository of an OCI distribution registry: manifests and blobs over /v2/, with the
// WWW-Authenticate dance (Bearer token from the realm, with basic credentials when we have them; or plain
// Basic), errors carrying the registry's own words.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ImagePullError } from '../types.js';
import { basicHeader, parseChallenge, type Challenge, type Credentials } from './auth.js';
import { apiHost } from './reference.js';
import { readBody, type Transport } from './transport.js';

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

export interface Fetched {
  mediaType: string;
  digest: string;
  data: Buffer;
}

/** The registry's error body ({"errors":[{"code","message"}]}) as words, or the HTTP status. */
export function registryWords(status: number, body: Buffer): { text: string; codes: string[] } {
  try {
    const j = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string }[]; details?: string };
    if (Array.isArray(j.errors) && j.errors.length > 0) {
      return {
        text: j.errors.map((e) => e.message || e.code || '').filter(Boolean).join('; '),
        codes: j.errors.map((e) => e.code ?? ''),
      };
    }
    if (typeof j.details === 'string') return { text: j.details, codes: [] };
  } catch {
    // not JSON
  }
  const plain = body.toString('utf8').trim().slice(0, 200);
  return { text: plain || `HTTP ${status}`, codes: [] };
}

function kindFor(status: number, codes: string[]): ImagePullError['kind'] {
  if (status === 401 || status === 403 || codes.includes('UNAUTHORIZED') || codes.includes('DENIED')) return 'unauthorized';
  if (status === 404 || codes.some((c) => /UNKNOWN$/.test(c))) return 'not-found';
  if (status >= 500) return 'network';
  return 'other';
}

export interface RepositoryClientOptions {
  registry: string;
  repository: string;
  transport: Transport;
  /** Use http:// (the registry is marked insecure). */
  plainHttp: boolean;
  /** Tried in order when the registry asks for credentials. */
  credentials: Credentials[];
  signal?: AbortSignal;
}

export class RepositoryClient {
  private readonly base: string;
  private authorization: string | undefined;

  constructor(private readonly o: RepositoryClientOptions) {
    this.base = `${o.plainHttp ? 'http' : 'https'}://${apiHost(o.registry)}/v2/${o.repository}`;
  }

  private get what(): string {
    return `${this.o.registry}/${this.o.repository}`;
  }

  private async send(method: string, url: string, headers: Record<string, string>): Promise<IncomingMessage> {
    const h = this.authorization ? { ...headers, authorization: this.authorization } : headers;
    try {
      return await this.o.transport.send(method, url, { headers: h, ...(this.o.signal ? { signal: this.o.signal } : {}) });
    } catch (err) {
      if (this.o.signal?.aborted) throw err;
      const msg = err instanceof Error ? err.message : String(err);
      const hint = /EPROTO|wrong version number|packet length too long/.test(msg)
        ? ' (the registry may speak plain http: mark it insecure)'
        : /self.signed|unable to verify|certificate/.test(msg)
          ? ' (the registry certificate is not trusted: add its CA)'
          : '';
      throw new ImagePullError(`cannot reach registry ${this.o.registry}: ${msg}${hint}`, 'network');
    }
  }

  /** A request that answers the registry's 401 challenge once with each credential we hold (or anonymously). */
  async request(method: string, url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    let res = await this.send(method, url, headers);
    if (res.statusCode !== 401) return res;
    let body = await readBody(res);
    const challenge = parseChallenge(String(res.headers['www-authenticate'] ?? ''));
    const tries: (Credentials | undefined)[] = this.o.credentials.length > 0 ? [...this.o.credentials] : [undefined];
    // A previously accepted token may just have expired: the loop below fetches a fresh one.
    for (const cred of tries) {
      const authz = await this.authorize(challenge, cred, body, res.statusCode ?? 401);
      if (!authz) continue;
      this.authorization = authz;
      res = await this.send(method, url, headers);
      if (res.statusCode !== 401) return res;
      body = await readBody(res);
    }
    this.authorization = undefined;
    const words = registryWords(401, body).text;
    const hint =
      this.o.credentials.length > 0
        ? `the credentials for ${this.o.registry} were refused`
        : `no credentials for ${this.o.registry}: add an imagePullSecret (kubernetes.io/dockerconfigjson) or log in`;
    throw new ImagePullError(`pull access to ${this.what} denied: ${words} (${hint})`, 'unauthorized');
  }

  private async authorize(
    challenge: Challenge | undefined,
    cred: Credentials | undefined,
    body: Buffer,
    status: number,
  ): Promise<string | undefined> {
    if (cred?.registryToken) return `Bearer ${cred.registryToken}`;
    if (!challenge || challenge.scheme === 'basic') return cred ? basicHeader(cred) : undefined;
    if (challenge.scheme !== 'bearer') {
      throw new ImagePullError(`registry ${this.o.registry} asks for ${challenge.scheme} auth, which is not supported: ${registryWords(status, body).text}`, 'unauthorized');
    }
    const realm = challenge.params.realm;
    if (!realm) throw new ImagePullError(`registry ${this.o.registry} sent a Bearer challenge without a realm`, 'unauthorized');
    const scope = challenge.params.scope ?? `repository:${this.o.repository}:pull`;
    return this.fetchToken(realm, challenge.params.service, scope, cred);
  }

  private async fetchToken(realm: string, service: string | undefined, scope: string, cred: Credentials | undefined): Promise<string> {
    const u = new URL(realm);
    if (service) u.searchParams.set('service', service);
    u.searchParams.set('scope', scope);
    const headers: Record<string, string> = {};
    const basic = cred ? basicHeader(cred) : undefined;
    if (basic) headers.authorization = basic;
    let res: IncomingMessage;
    try {
      res = await this.o.transport.send('GET', u.toString(), { headers, ...(this.o.signal ? { signal: this.o.signal } : {}) });
    } catch (err) {
      throw new ImagePullError(`cannot reach the token service of ${this.o.registry} (${u.host}): ${err instanceof Error ? err.message : String(err)}`, 'network');
    }
    const body = await readBody(res);
    if ((res.statusCode ?? 0) !== 200) {
      const words = registryWords(res.statusCode ?? 0, body).text;
      throw new ImagePullError(`pull access to ${this.what} denied by the token service: ${words}`, (res.statusCode ?? 0) >= 500 ? 'network' : 'unauthorized');
    }
    const j = JSON.parse(body.toString('utf8')) as { token?: string; access_token?: string };
    const token = j.token ?? j.access_token;
    if (!token) throw new ImagePullError(`the token service of ${this.o.registry} answered without a token`, 'unauthorized');
    return `Bearer ${token}`;
  }

  /** A failed answer as an ImagePullError with the registry's words. */
  async failure(res: IncomingMessage, what: string): Promise<ImagePullError> {
    const body = await readBody(res).catch(() => Buffer.alloc(0));
    const status = res.statusCode ?? 0;
    const { text, codes } = registryWords(status, body);
    const kind = kindFor(status, codes);
    const lead = kind === 'not-found' ? `${what}: not found` : `${what}: registry answered ${status}`;
    return new ImagePullError(`${lead}: ${text}`, kind);
  }

  /** GETs a manifest or index by tag or digest; a digest reference is verified against the body. */
  async manifest(reference: string, label: string): Promise<Fetched> {
    const res = await this.request('GET', `${this.base}/manifests/${reference}`, { accept: MANIFEST_TYPES.join(', ') });
    if (res.statusCode !== 200) throw await this.failure(res, label);
    const data = await readBody(res);
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    if (reference.startsWith('sha256:') && reference !== digest) {
      throw new ImagePullError(`${label}: manifest digest mismatch: asked ${reference}, got ${digest}`, 'invalid');
    }
    let mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    try {
      const declared = (JSON.parse(data.toString('utf8')) as { mediaType?: string }).mediaType;
      if (declared) mediaType = declared;
    } catch {
      throw new ImagePullError(`${label}: the registry's manifest is not JSON`, 'invalid');
    }
    return { mediaType, digest, data };
  }

  /** Opens a blob, from `offset` on when > 0 (206 then; a 200 means the registry ignored the Range). */
  async openBlob(digest: string, offset: number): Promise<IncomingMessage> {
    const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
    const res = await this.request('GET', `${this.base}/blobs/${digest}`, headers);
    const s = res.statusCode ?? 0;
    if (s === 200 || s === 206) return res;
    if (s === 416 && offset > 0) {
      res.resume();
      return this.openBlob(digest, 0);
    }
    throw await this.failure(res, `${this.what}@${digest}`);
  }
}
