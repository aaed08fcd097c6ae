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
    const j = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string }[]; details?: string; error?: string; error_description?: string };
    if (Array.isArray(j.errors) && j.errors.length > 0) {
      return {
        text: j.errors.map((e) => e.message || e.code || '').filter(Boolean).join('; '),
        codes: j.errors.map((e) => e.code ?? ''),
      };
    }
    if (typeof j.details === 'string') return { text: j.details, codes: [] };
    // OAuth2 token endpoints: {"error":"invalid_grant","error_description":"..."}.
    if (typeof j.error === 'string') return { text: j.error_description ? `${j.error_description} (${j.error})` : j.error, codes: [] };
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

/** The token service turned a credential down (4xx): the next credential is tried. */
class TokenRefused extends Error {
  constructor(
    readonly host: string,
    readonly words: string,
  ) {
    super(`token refused by ${host}: ${words}`);
  }
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
  private readonly authorizing = new Map<string, Promise<string | undefined>>();

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

  /**
   * A request that answers the registry's 401 challenge once with each credential we hold (or anonymously).
   * Requests of one pull run side by side: when the token they were all sent with expires, they share one fetch
   * of a new token instead of each asking the token service.
   */
  async request(method: string, url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    const sentWith = this.authorization;
    let res = await this.send(method, url, headers);
    if (res.statusCode !== 401) return res;
    let body = await readBody(res);
    // Another request has already replaced the token this one was sent with: try that one first.
    if (this.authorization && this.authorization !== sentWith) {
      res = await this.send(method, url, headers);
      if (res.statusCode !== 401) return res;
      body = await readBody(res);
    }
    const challenge = parseChallenge(String(res.headers['www-authenticate'] ?? ''));
    const tries: (Credentials | undefined)[] = this.o.credentials.length > 0 ? [...this.o.credentials] : [undefined];
    let refusedBy: TokenRefused | undefined;
    for (const [i, cred] of tries.entries()) {
      let authz: string | undefined;
      try {
        authz = await this.sharedAuthorize(`${i} ${sentWith ?? ''} ${challenge?.params.scope ?? ''}`, challenge, cred, body, res.statusCode ?? 401);
      } catch (err) {
        // The token service refused this credential: the next one may do.
        if (!(err instanceof TokenRefused)) throw err;
        refusedBy = err;
        continue;
      }
      if (!authz) continue;
      this.authorization = authz;
      res = await this.send(method, url, headers);
      if (res.statusCode !== 401) return res;
      body = await readBody(res);
      refusedBy = undefined;
    }
    this.authorization = undefined;
    const words = refusedBy ? `the token service (${refusedBy.host}) says: ${refusedBy.words}` : registryWords(401, body).text;
    const hint =
      this.o.credentials.length > 0
        ? `the credentials for ${this.o.registry} were refused: check the username and password of the imagePullSecret or of the agent's registry config`
        : `no credentials for ${this.o.registry}: add an imagePullSecret (kubernetes.io/dockerconfigjson) or log in`;
    throw new ImagePullError(`pull access to ${this.what} denied: ${words} (${hint})`, 'unauthorized');
  }

  /** authorize(), one at a time per key: requests that failed with the same token wait for one new token. */
  private sharedAuthorize(key: string, ...a: Parameters<RepositoryClient['authorize']>): Promise<string | undefined> {
    let p = this.authorizing.get(key);
    if (!p) {
      p = this.authorize(...a).finally(() => this.authorizing.delete(key));
      this.authorizing.set(key, p);
    }
    return p;
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

  /**
   * GET realm?service=&scope= (docker's token protocol), with basic credentials when we have them; with an
   * identity token, the OAuth2 form instead: POST grant_type=refresh_token to the realm, as docker does.
   */
  private async fetchToken(realm: string, service: string | undefined, scope: string, cred: Credentials | undefined): Promise<string> {
    let u: URL;
    try {
      u = new URL(realm);
    } catch {
      throw new ImagePullError(`registry ${this.o.registry} named a token service that is not a URL: ${JSON.stringify(realm)}`, 'unauthorized');
    }
    const headers: Record<string, string> = {};
    let method = 'GET';
    let form: Buffer | undefined;
    if (cred?.identityToken) {
      method = 'POST';
      const f = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.identityToken, client_id: 'tugboat', scope });
      if (service) f.set('service', service);
      form = Buffer.from(f.toString());
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      if (service) u.searchParams.set('service', service);
      u.searchParams.set('scope', scope);
      const basic = cred ? basicHeader(cred) : undefined;
      if (basic) headers.authorization = basic;
    }
    let res: IncomingMessage;
    try {
      res = await this.o.transport.send(method, u.toString(), { headers, ...(form ? { body: form } : {}), ...(this.o.signal ? { signal: this.o.signal } : {}) });
    } catch (err) {
      if (this.o.signal?.aborted) throw err;
      throw new ImagePullError(`cannot reach the token service of ${this.o.registry} (${u.host}): ${err instanceof Error ? err.message : String(err)}`, 'network');
    }
    const body = await readBody(res);
    const status = res.statusCode ?? 0;
    if (status >= 500) throw new ImagePullError(`the token service of ${this.o.registry} (${u.host}) failed: ${registryWords(status, body).text}`, 'network');
    if (status !== 200) throw new TokenRefused(u.host, registryWords(status, body).text);
    let j: { token?: unknown; access_token?: unknown };
    try {
      j = JSON.parse(body.toString('utf8')) as typeof j;
    } catch {
      throw new ImagePullError(`the token service of ${this.o.registry} (${u.host}) answered with something other than JSON`, 'unauthorized');
    }
    // Docker's token protocol names it `token`; OAuth2-style services `access_token` (both when they can).
    const token = typeof j.token === 'string' && j.token ? j.token : typeof j.access_token === 'string' ? j.access_token : '';
    if (!token) throw new ImagePullError(`the token service of ${this.o.registry} (${u.host}) answered without a token`, 'unauthorized');
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
