// Service account tokens: issued through serviceaccounts/<name>/token (TokenRequest), accepted as bearer
// credentials for the user system:serviceaccount:<namespace>:<name>. The claims follow Kubernetes' bound
// tokens (iss, sub, aud, exp, iat, nbf, jti and a kubernetes.io claim naming the namespace, the account and
// the object the token is bound to), so tools that read them (kubectl auth whoami, workloads) see the same.
import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../types.js';
import { keyId, signJwt, verifyJwt } from './jwt.js';
import { newServiceAccountKey } from './key.js';

/** kube-apiserver's usual --service-account-issuer; also the default API audience, as when none is configured. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** Clock skew allowed on nbf/exp, as Kubernetes' validator allows. */
const LEEWAY_SECONDS = 60;

export interface BoundRef {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string;
  uid: string;
}

export interface IssueRequest {
  namespace: string;
  name: string;
  uid: string;
  audiences: string[];
  expirationSeconds: number;
  now: Date;
  bound?: BoundRef[];
}

export interface ServiceAccountTokensOptions {
  /** PEM RSA private key; a throwaway one (made on first use) when absent. */
  privateKeyPem?: string;
  issuer?: string;
  /** Audiences the API server accepts; the issuer when absent. */
  apiAudiences?: string[];
  now?: () => Date;
}

export class ServiceAccountTokens {
  readonly issuer: string;
  readonly apiAudiences: string[];
  private key?: { priv: KeyObject; pub: KeyObject; kid: string };
  private readonly now: () => Date;

  constructor(private readonly o: ServiceAccountTokensOptions = {}) {
    this.issuer = o.issuer ?? DEFAULT_ISSUER;
    this.apiAudiences = o.apiAudiences ?? [this.issuer];
    this.now = o.now ?? (() => new Date());
  }

  private keys() {
    if (!this.key) {
      const priv = createPrivateKey(this.o.privateKeyPem ?? newServiceAccountKey());
      this.key = { priv, pub: createPublicKey(priv), kid: keyId(priv) };
    }
    return this.key;
  }

  issue(r: IssueRequest): { token: string; expires: Date } {
    const iat = Math.floor(r.now.getTime() / 1000);
    const exp = iat + r.expirationSeconds;
    const k8s: Record<string, unknown> = { namespace: r.namespace, serviceaccount: { name: r.name, uid: r.uid } };
    for (const b of r.bound ?? []) k8s[b.kind.toLowerCase()] = { name: b.name, uid: b.uid };
    const payload = {
      aud: r.audiences,
      exp,
      iat,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': k8s,
      nbf: iat,
      sub: `system:serviceaccount:${r.namespace}:${r.name}`,
    };
    const k = this.keys();
    return { token: signJwt(payload, k.priv, k.kid), expires: new Date(exp * 1000) };
  }

  /** The service account a token stands for, or undefined when it is not a valid token of ours. */
  verify(token: string, audiences: string[] = this.apiAudiences): UserInfo | undefined {
    // Cheap shape test first: most bearer tokens are static ones, not JWTs, and need no key.
    if (token.split('.').length !== 3) return undefined;
    const p = verifyJwt(token, this.keys().pub);
    if (!p || p['iss'] !== this.issuer) return undefined;
    const now = this.now().getTime() / 1000;
    if (typeof p['exp'] !== 'number' || now > p['exp'] + LEEWAY_SECONDS) return undefined;
    if (typeof p['nbf'] === 'number' && now < p['nbf'] - LEEWAY_SECONDS) return undefined;
    const aud = Array.isArray(p['aud']) ? p['aud'] : [p['aud']];
    if (!aud.some((a) => typeof a === 'string' && audiences.includes(a))) return undefined;
    const m = typeof p['sub'] === 'string' ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(p['sub']) : null;
    if (!m) return undefined;
    const k8s = (p['kubernetes.io'] ?? {}) as { serviceaccount?: { uid?: string }; pod?: { name?: string; uid?: string }; node?: { name?: string; uid?: string } };
    const extra: Record<string, string[]> = {};
    if (typeof p['jti'] === 'string') extra['authentication.kubernetes.io/credential-id'] = [`JTI=${p['jti']}`];
    if (k8s.node?.name) extra['authentication.kubernetes.io/node-name'] = [k8s.node.name];
    if (k8s.node?.uid) extra['authentication.kubernetes.io/node-uid'] = [k8s.node.uid];
    if (k8s.pod?.name) extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name];
    if (k8s.pod?.uid) extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid];
    return {
      name: p['sub'] as string,
      uid: k8s.serviceaccount?.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${m[1]}`, 'system:authenticated'],
      ...(Object.keys(extra).length > 0 ? { extra } : {}),
    };
  }

  /** As an Authenticator: the request's bearer token, when it is one of ours. */
  authenticate(req: IncomingMessage): UserInfo | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    return m ? this.verify(m[1]!) : undefined;
  }
}
