// Authentication (client certificates from our CA, bearer tokens from a kube-apiserver style token file) and
// authorization (a pluggable decision; today every authenticated user may do everything).
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Authenticator, Authorizer, UserInfo } from './types.js';

/** Parses a token file: token,user,uid,"group1,group2" per line. */
export function parseTokenFile(text: string): Map<string, UserInfo> {
  const out = new Map<string, UserInfo>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const m = /^([^,]+),([^,]+),([^,]*)(?:,"?([^"]*)"?)?$/.exec(t);
    if (!m) continue;
    out.set(m[1]!, { name: m[2]!, uid: m[3] || undefined, groups: m[4] ? m[4].split(',').map((g) => g.trim()).filter(Boolean) : [] });
  }
  return out;
}

export function tokenAuthenticator(tokens: Map<string, UserInfo>): Authenticator {
  return (req) => {
    const h = req.headers.authorization;
    if (!h) return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    return m ? tokens.get(m[1]!) : undefined;
  };
}

/** A client certificate our CA signed (the TLS layer checked the chain: requestCert, rejectUnauthorized=false). */
export const certAuthenticator: Authenticator = (req: IncomingMessage) => {
  const sock = req.socket as TLSSocket;
  if (!sock.encrypted || !sock.authorized) return undefined;
  const cert = sock.getPeerCertificate();
  const subject = cert?.subject as unknown as Record<string, string | string[]> | undefined;
  if (!subject) return undefined;
  const cn = subject['CN'];
  const o = subject['O'];
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (!name) return undefined;
  return { name, groups: Array.isArray(o) ? o : o ? [o] : [] };
};

/** The first authenticator that recognises the request (Kubernetes' union authenticator). */
export function unionAuthenticator(...auths: Authenticator[]): Authenticator {
  return (req) => {
    for (const a of auths) {
      const u = a(req);
      if (u) return { ...u, groups: [...new Set([...u.groups, 'system:authenticated'])] };
    }
    return undefined;
  };
}

export function fileAuthenticator(tokenFile: string): Authenticator {
  return unionAuthenticator(certAuthenticator, tokenAuthenticator(parseTokenFile(readFileSync(tokenFile, 'utf8'))));
}

/** Until RBAC: any authenticated user is an administrator. */
export const allowAuthenticated: Authorizer = () => true;
