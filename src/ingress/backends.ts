// An Ingress backend (service name and port) resolved to the service's ready endpoints, read straight from its
// EndpointSlices: the ingress balances over pods itself instead of going through the ClusterIP, as ingress-nginx
// does, so one hop fewer and its own retries pick a different pod.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { IngressServiceBackend } from 'kubernetes-types/networking/v1.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface Endpoint {
  host: string;
  port: number;
  /** "host:port", the agent's pool key. */
  id: string;
}

/** A resolved backend: endpoints to balance over, or why there are none (answered with 503). */
export interface Target {
  endpoints: Endpoint[];
  /** Set when the Ingress itself is wrong (missing service, unknown port): reported as a Warning event. */
  error?: string;
  /** Round-robin position. */
  next: number;
}

export interface BackendSources {
  service(namespace: string, name: string): Service | undefined;
  /** The EndpointSlices labelled kubernetes.io/service-name=name in namespace. */
  slices(namespace: string, name: string): EndpointSlice[];
}

export function resolveBackend(src: BackendSources, namespace: string, b: IngressServiceBackend): Target {
  const svc = src.service(namespace, b.name);
  if (!svc) return { endpoints: [], error: `service "${namespace}/${b.name}" not found`, next: 0 };
  const ports = svc.spec?.ports ?? [];
  const want = b.port ?? {};
  if (svc.spec?.type === 'ExternalName') return externalNameTarget(svc, namespace, b);
  const sp = want.name !== undefined && want.name !== '' ? ports.find((p) => p.name === want.name) : ports.find((p) => p.port === want.number);
  if (!sp) {
    const what = want.name ? `named "${want.name}"` : `number ${want.number ?? '(none)'}`;
    return { endpoints: [], error: `service "${namespace}/${b.name}" does not have a port ${what}`, next: 0 };
  }
  const portName = sp.name ?? '';
  const seen = new Set<string>();
  const endpoints: Endpoint[] = [];
  for (const slice of src.slices(namespace, b.name)) {
    // FQDN slices name hosts, not addresses: the data path dials addresses only.
    if (slice.addressType === 'FQDN') continue;
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === portName)?.port;
    if (port === undefined || port === null) continue;
    for (const ep of slice.endpoints ?? []) {
      // A nil ready condition means unknown, which consumers take as ready (discovery.k8s.io/v1 docs).
      if (ep.conditions?.ready === false) continue;
      for (const addr of ep.addresses ?? []) {
        const id = addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
        if (seen.has(id)) continue;
        seen.add(id);
        endpoints.push({ host: addr, port, id });
      }
    }
  }
  // A stable order keeps round-robin fair across rebuilds.
  endpoints.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { endpoints, next: 0 };
}

/**
 * An ExternalName service: its DNS name is the one endpoint (looked up when a connection is made, as ingress-nginx
 * resolves it), on the Ingress's port number, or the service port of that name.
 */
function externalNameTarget(svc: Service, namespace: string, b: IngressServiceBackend): Target {
  const host = svc.spec?.externalName ?? '';
  const want = b.port ?? {};
  const port = want.number ?? (svc.spec?.ports ?? []).find((p) => p.name === want.name)?.port;
  if (!host) return { endpoints: [], error: `service "${namespace}/${b.name}" has no externalName`, next: 0 };
  if (port === undefined) return { endpoints: [], error: `service "${namespace}/${b.name}" does not have a port named "${want.name ?? ''}"`, next: 0 };
  return { endpoints: [{ host, port, id: `${host}:${port}` }], next: 0 };
}

/** The next endpoint in round-robin order, skipping the ones already tried for this request. */
export function pickEndpoint(t: Target, tried?: ReadonlySet<Endpoint>): Endpoint | undefined {
  const n = t.endpoints.length;
  for (let i = 0; i < n; i++) {
    const ep = t.endpoints[t.next++ % n]!;
    if (t.next >= 1 << 30) t.next = 0;
    if (!tried || !tried.has(ep)) return ep;
  }
  return undefined;
}
