// Serving certificates chosen by SNI: each served Ingress's spec.tls maps its hosts to a kubernetes.io/tls Secret
// in the Ingress's namespace. Names no Secret covers (and clients without SNI) get a self-signed default
// certificate, as ingress-nginx's "Fake Certificate". Secure contexts are cached per Secret resourceVersion, so
// a changed Secret is picked up live and an unchanged one costs nothing on rebuild.
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { byAge } from './routes.js';

export interface CertProblem {
  ingress: Ingress;
  message: string;
}

/** PEM material of one Secret, and its resourceVersion (contexts are rebuilt only when it changes). */
export interface CertPem {
  rv: string;
  cert: Buffer;
  key: Buffer;
}

/** The host map with the PEM material instead of contexts: what data-plane workers receive over IPC. */
export interface CertSnapshot {
  /** host or wildcard suffix to "namespace/secret". */
  exact: [string, string][];
  wildcards: [string, string][];
  catchAll?: string;
  pems: [string, CertPem][];
}

interface Cached extends CertPem {
  ctx: SecureContext;
}

export class CertStore {
  private exact = new Map<string, SecureContext>();
  private wildcards = new Map<string, SecureContext>();
  /** From a spec.tls entry without hosts: every name not otherwise covered. */
  private catchAll: SecureContext | undefined;
  private contexts = new Map<string, Cached>();
  /** The same maps by Secret key, for snapshot(). */
  private keys: { exact: Map<string, string>; wildcards: Map<string, string>; catchAll?: string } = { exact: new Map(), wildcards: new Map() };

  constructor(readonly defaultContext: SecureContext) {}

  /**
   * Rebuilds the host map from the served Ingresses (older Ingresses win a host both claim). Returns what is wrong
   * (missing or malformed Secrets) so the caller can report it on the Ingress.
   */
  update(ingresses: readonly Ingress[], secret: (namespace: string, name: string) => Secret | undefined): CertProblem[] {
    const problems: CertProblem[] = [];
    const exact = new Map<string, SecureContext>();
    const wildcards = new Map<string, SecureContext>();
    let catchAll: SecureContext | undefined;
    const keys: CertStore['keys'] = { exact: new Map(), wildcards: new Map() };
    const used = new Set<string>();
    for (const ing of [...ingresses].sort(byAge)) {
      const ns = ing.metadata?.namespace ?? 'default';
      for (const t of ing.spec?.tls ?? []) {
        if (!t.secretName) continue;
        const key = `${ns}/${t.secretName}`;
        const ctx = this.context(key, secret(ns, t.secretName), (message) => problems.push({ ingress: ing, message }));
        if (!ctx) continue;
        used.add(key);
        const hosts = t.hosts ?? [];
        if (hosts.length === 0 && !catchAll) {
          catchAll = ctx;
          keys.catchAll = key;
        }
        for (const raw of hosts) {
          const h = raw.toLowerCase();
          if (h.startsWith('*.')) {
            if (!wildcards.has(h.slice(2))) {
              wildcards.set(h.slice(2), ctx);
              keys.wildcards.set(h.slice(2), key);
            }
          } else if (!exact.has(h)) {
            exact.set(h, ctx);
            keys.exact.set(h, key);
          }
        }
      }
    }
    for (const k of this.contexts.keys()) if (!used.has(k)) this.contexts.delete(k);
    this.exact = exact;
    this.wildcards = wildcards;
    this.catchAll = catchAll;
    this.keys = keys;
    return problems;
  }

  /** The current host map with PEM material, structured-clone safe. */
  snapshot(): CertSnapshot {
    const pems: [string, CertPem][] = [];
    for (const [k, c] of this.contexts) pems.push([k, { rv: c.rv, cert: c.cert, key: c.key }]);
    const out: CertSnapshot = { exact: [...this.keys.exact], wildcards: [...this.keys.wildcards], pems };
    if (this.keys.catchAll !== undefined) out.catchAll = this.keys.catchAll;
    return out;
  }

  /** Takes over a snapshot made by another process's store, reusing contexts whose Secret did not change. */
  load(snap: CertSnapshot): void {
    const contexts = new Map<string, Cached>();
    for (const [k, p] of snap.pems) {
      const old = this.contexts.get(k);
      if (old && old.rv === p.rv) contexts.set(k, old);
      else {
        try {
          contexts.set(k, { ...p, ctx: createSecureContext({ cert: p.cert, key: p.key }) });
        } catch {
          // The primary built it already: a failure here cannot happen short of memory; the name falls back.
        }
      }
    }
    const ctx = (k: string | undefined) => (k === undefined ? undefined : contexts.get(k)?.ctx);
    const fill = (pairs: [string, string][]) => {
      const m = new Map<string, SecureContext>();
      for (const [h, k] of pairs) {
        const c = ctx(k);
        if (c) m.set(h, c);
      }
      return m;
    };
    this.contexts = contexts;
    this.exact = fill(snap.exact);
    this.wildcards = fill(snap.wildcards);
    this.catchAll = ctx(snap.catchAll);
    this.keys = { exact: new Map(snap.exact), wildcards: new Map(snap.wildcards), ...(snap.catchAll !== undefined ? { catchAll: snap.catchAll } : {}) };
  }

  /** The context for an SNI name (lower-cased by the caller or here). */
  lookup(servername: string | undefined): SecureContext {
    if (!servername) return this.catchAll ?? this.defaultContext;
    const name = servername.toLowerCase();
    const e = this.exact.get(name);
    if (e) return e;
    const dot = name.indexOf('.');
    return (dot > 0 ? this.wildcards.get(name.slice(dot + 1)) : undefined) ?? this.catchAll ?? this.defaultContext;
  }

  /** For tls.createServer's SNICallback. */
  readonly sniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void): void => {
    cb(null, this.lookup(servername));
  };

  private context(key: string, s: Secret | undefined, problem: (m: string) => void): SecureContext | undefined {
    if (!s) {
      problem(`secret "${key}" not found`);
      return undefined;
    }
    const rv = s.metadata?.resourceVersion ?? '';
    const cached = this.contexts.get(key);
    if (cached && cached.rv === rv) return cached.ctx;
    const cert = s.data?.['tls.crt'];
    const keyPem = s.data?.['tls.key'];
    if (!cert || !keyPem) {
      problem(`secret "${key}" has no tls.crt and tls.key`);
      return undefined;
    }
    try {
      const pem = { rv, cert: Buffer.from(cert, 'base64'), key: Buffer.from(keyPem, 'base64') };
      const ctx = createSecureContext({ cert: pem.cert, key: pem.key });
      this.contexts.set(key, { ...pem, ctx });
      return ctx;
    } catch (e) {
      problem(`secret "${key}" does not hold a usable certificate and key: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }
}
