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

export class CertStore {
  private exact = new Map<string, SecureContext>();
  private wildcards = new Map<string, SecureContext>();
  /** From a spec.tls entry without hosts: every name not otherwise covered. */
  private catchAll: SecureContext | undefined;
  private contexts = new Map<string, { rv: string; ctx: SecureContext }>();

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
        if (hosts.length === 0) catchAll ??= ctx;
        for (const raw of hosts) {
          const h = raw.toLowerCase();
          if (h.startsWith('*.')) {
            if (!wildcards.has(h.slice(2))) wildcards.set(h.slice(2), ctx);
          } else if (!exact.has(h)) exact.set(h, ctx);
        }
      }
    }
    for (const k of this.contexts.keys()) if (!used.has(k)) this.contexts.delete(k);
    this.exact = exact;
    this.wildcards = wildcards;
    this.catchAll = catchAll;
    return problems;
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
      const ctx = createSecureContext({ cert: Buffer.from(cert, 'base64'), key: Buffer.from(keyPem, 'base64') });
      this.contexts.set(key, { rv, ctx });
      return ctx;
    } catch (e) {
      problem(`secret "${key}" does not hold a usable certificate and key: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }
}
