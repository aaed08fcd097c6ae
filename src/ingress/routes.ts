// The route table: served Ingresses compiled into host and path lookups, matched per request without allocating.
// networking.k8s.io/v1 rules:
//   - host: exact names first, then "*.suffix" wildcards (one label only: "*.a.test" matches "x.a.test", not
//     "a.test" nor "y.x.a.test"); rules without a host apply to every host, after the host's own rules.
//   - paths: an Exact match wins (it is as long as the whole path, so no Prefix can be longer); else the longest
//     Prefix, matched element by element ("/foo" matches "/foo", "/foo/", "/foo/bar", not "/foobar"; a trailing
//     slash in the rule is ignored). ImplementationSpecific is treated as Prefix.
//   - the same host, path and type in two Ingresses: the older Ingress wins (creationTimestamp, then namespace/name),
//     as ingress-nginx resolves conflicts.
//   - nothing matched: the oldest served Ingress's spec.defaultBackend, else 404.
import type { Ingress, IngressBackend } from 'kubernetes-types/networking/v1.js';
import type { Target } from './backends.js';

export interface BackendRef {
  /** namespace/name of the Ingress that declared it (events about a broken backend go there). */
  ingress: string;
  namespace: string;
  backend: IngressBackend;
  /** Filled after building, from Services and EndpointSlices. */
  target?: Target;
  /** The Ingress asks plain-http requests to be redirected to https (annotation tugboat.dev/ssl-redirect). */
  sslRedirect: boolean;
}

export const SSL_REDIRECT_ANNOTATION = 'tugboat.dev/ssl-redirect';

interface PrefixRule {
  /** Normalized: no trailing slash; "" for "/". */
  prefix: string;
  ref: BackendRef;
}

export interface HostRoutes {
  exact: Map<string, BackendRef>;
  /** Longest prefix first. */
  prefixes: PrefixRule[];
}

export interface RouteTable {
  hosts: Map<string, HostRoutes>;
  /** Keyed by the suffix after "*." */
  wildcards: Map<string, HostRoutes>;
  /** Rules without a host. */
  any: HostRoutes;
  defaultBackend?: BackendRef;
}

const newHostRoutes = (): HostRoutes => ({ exact: new Map(), prefixes: [] });

/** Oldest first: creationTimestamp, then namespace/name (RFC 3339 in UTC sorts as text). */
export function byAge(a: Ingress, b: Ingress): number {
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata?.namespace ?? ''}/${a.metadata?.name ?? ''}`;
  const kb = `${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function normalizePrefix(p: string): string {
  let end = p.length;
  while (end > 0 && p.charCodeAt(end - 1) === 47 /* / */) end--;
  return p.slice(0, end);
}

/** Compiles the served Ingresses (in any order) into a route table. */
export function buildRoutes(ingresses: readonly Ingress[]): RouteTable {
  const table: RouteTable = { hosts: new Map(), wildcards: new Map(), any: newHostRoutes() };
  const sorted = [...ingresses].sort(byAge);
  for (const ing of sorted) {
    const namespace = ing.metadata?.namespace ?? 'default';
    const key = `${namespace}/${ing.metadata?.name ?? ''}`;
    const spec = ing.spec ?? {};
    // Only where the Ingress has TLS to redirect to (ingress-nginx's rule; its default is on, ours off).
    const sslRedirect = ing.metadata?.annotations?.[SSL_REDIRECT_ANNOTATION] === 'true' && (spec.tls ?? []).length > 0;
    if (spec.defaultBackend && !table.defaultBackend) table.defaultBackend = { ingress: key, namespace, backend: spec.defaultBackend, sslRedirect };
    for (const rule of spec.rules ?? []) {
      const host = (rule.host ?? '').toLowerCase();
      let routes: HostRoutes;
      if (!host) routes = table.any;
      else {
        const wild = host.startsWith('*.');
        const map = wild ? table.wildcards : table.hosts;
        const k = wild ? host.slice(2) : host;
        routes = map.get(k) ?? newHostRoutes();
        map.set(k, routes);
      }
      for (const p of rule.http?.paths ?? []) {
        const ref: BackendRef = { ingress: key, namespace, backend: p.backend, sslRedirect };
        const path = p.path || '/';
        if (p.pathType === 'Exact') {
          if (!routes.exact.has(path)) routes.exact.set(path, ref);
        } else {
          const prefix = normalizePrefix(path);
          if (!routes.prefixes.some((r) => r.prefix === prefix)) routes.prefixes.push({ prefix, ref });
        }
      }
    }
  }
  const sortPrefixes = (r: HostRoutes) => r.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  for (const r of table.hosts.values()) sortPrefixes(r);
  for (const r of table.wildcards.values()) sortPrefixes(r);
  sortPrefixes(table.any);
  return table;
}

function matchPath(routes: HostRoutes, path: string): BackendRef | undefined {
  const exact = routes.exact.get(path);
  if (exact) return exact;
  for (const r of routes.prefixes) {
    const p = r.prefix;
    if (p === '') return r.ref;
    if (path.startsWith(p) && (path.length === p.length || path.charCodeAt(p.length) === 47)) return r.ref;
  }
  return undefined;
}

/** The host's rules: exact name first, else the wildcard one label up. */
export function hostRoutes(table: RouteTable, host: string): HostRoutes | undefined {
  const exact = table.hosts.get(host);
  if (exact) return exact;
  const dot = host.indexOf('.');
  return dot > 0 ? table.wildcards.get(host.slice(dot + 1)) : undefined;
}

/** host: lower case, without port; path: without query string. */
export function matchRoute(table: RouteTable, host: string, path: string): BackendRef | undefined {
  const h = hostRoutes(table, host);
  return (h && matchPath(h, path)) ?? matchPath(table.any, path) ?? table.defaultBackend;
}

/** The Host header (or :authority) as rules see it: lower case, no port, no trailing dot. */
export function hostOf(header: string | undefined): string {
  if (!header) return '';
  let h = header;
  if (h.charCodeAt(0) === 91 /* [ */) {
    const end = h.indexOf(']');
    return (end > 0 ? h.slice(0, end + 1) : h).toLowerCase();
  }
  const colon = h.indexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.toLowerCase();
}

/** The path of a request target without its query string. */
export function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Every backend reference of the table (each once). */
export function allRefs(table: RouteTable): BackendRef[] {
  const out: BackendRef[] = [];
  const add = (r: HostRoutes) => {
    for (const ref of r.exact.values()) out.push(ref);
    for (const p of r.prefixes) out.push(p.ref);
  };
  for (const r of table.hosts.values()) add(r);
  for (const r of table.wildcards.values()) add(r);
  add(table.any);
  if (table.defaultBackend) out.push(table.defaultBackend);
  return out;
}
