// Registry authentication pieces: the WWW-Authenticate challenge, and credentials found by registry host in
// `.dockerconfigjson`-style maps (keys may be "https://index.docker.io/v1/", "host:port", "http://host/v2/").
import type { DockerAuthEntry, DockerAuths } from '../types.js';
import { DOCKER_HUB } from './reference.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="https://auth",service="registry",scope="repository:a/b:pull"` (quoted or token values). */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = m[2] ?? '';
  re.lastIndex = 0;
  let p: RegExpExecArray | null;
  while (re.lastIndex < rest.length && (p = re.exec(rest)) !== null) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

/** The registry host a docker config key names, normalized as references are. */
export function hostOfAuthKey(key: string): string {
  let k = key.trim().replace(/^[a-z]+:\/\//i, '');
  k = k.split('/')[0] ?? '';
  k = k.toLowerCase();
  return k === 'index.docker.io' || k === 'registry-1.docker.io' ? DOCKER_HUB : k;
}

export interface Credentials {
  username?: string;
  password?: string;
  /** A bearer token sent as is. */
  registryToken?: string;
  /** An OAuth2 refresh token (`docker login` with an identity provider, `az acr login`): exchanged at the realm by POST. */
  identityToken?: string;
}

function toCredentials(e: DockerAuthEntry): Credentials | undefined {
  let username = e.username;
  let password = e.password;
  if ((!username || password === undefined) && e.auth) {
    const plain = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) {
      username = plain.slice(0, i);
      password = plain.slice(i + 1);
    }
  }
  const c: Credentials = {};
  if (username) c.username = username;
  if (password !== undefined && username) c.password = password;
  if (e.registrytoken) c.registryToken = e.registrytoken;
  if (e.identitytoken) c.identityToken = e.identitytoken;
  return Object.keys(c).length > 0 ? c : undefined;
}

/** Every credential that names this registry, in the order of the maps given (first preferred). */
export function credentialsFor(registry: string, maps: readonly (DockerAuths | undefined)[]): Credentials[] {
  const want = registry.toLowerCase();
  const out: Credentials[] = [];
  for (const m of maps) {
    if (!m) continue;
    for (const [key, entry] of Object.entries(m)) {
      if (hostOfAuthKey(key) !== want) continue;
      const c = toCredentials(entry);
      if (c) out.push(c);
    }
  }
  return out;
}

export function basicHeader(c: Credentials): string | undefined {
  if (!c.username) return undefined;
  return `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}`;
}
