// What the proxy programs, worked out from Services and EndpointSlices with no I/O: one entry per service port,
// with its frontends (cluster IPs, node port, external and load-balancer IPs) and the endpoints that may take
// new connections under each traffic policy. Both the nftables renderer and the userspace relay read this.
import type { KubeObject } from '../api/object.js';
import type { ServiceSpec, ServiceStatus } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort } from 'kubernetes-types/discovery/v1.js';

export interface Service extends KubeObject {
  spec?: ServiceSpec;
  status?: ServiceStatus;
}

export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: Endpoint[];
  ports?: EndpointPort[];
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface Backend {
  ip: string;
  port: number;
  /** On this node (endpoint.nodeName): the only ones Local traffic policies use. */
  local: boolean;
}

export interface ServicePortEntry {
  /** namespace/name:portName (port number when unnamed): stable, used for chain names and logs. */
  id: string;
  namespace: string;
  name: string;
  protocol: Protocol;
  port: number;
  clusterIPs: string[];
  nodePort?: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** ClientIP affinity timeout in seconds; undefined: none. */
  affinitySeconds?: number;
  internalLocal: boolean;
  externalLocal: boolean;
  /** Endpoints that take new connections: ready ones, else serving-and-terminating ones (never both). */
  cluster: Backend[];
  /** The same choice made among this node's endpoints only. */
  local: Backend[];
  /** Every endpoint address:port known (ready or not), so a vanished one can be told from a not-ready one. */
  known: string[];
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const DEFAULT_AFFINITY_SECONDS = 10800;

const isIPv4 = (s: string | undefined): s is string => !!s && /^\d{1,3}(\.\d{1,3}){3}$/.test(s);

function usableEndpoints(eps: { b: Backend; ready: boolean; serving: boolean; terminating: boolean }[]): Backend[] {
  const ready = eps.filter((e) => e.ready).map((e) => e.b);
  if (ready.length) return ready;
  // As kube-proxy's ProxyTerminatingEndpoints: with nothing ready, endpoints still serving while terminating
  // take connections, so a rolling update of the last replica does not refuse clients.
  return eps.filter((e) => e.serving && e.terminating).map((e) => e.b);
}

const byAddress = (a: Backend, b: Backend) => (a.ip === b.ip ? a.port - b.port : ipKey(a.ip) - ipKey(b.ip));
const ipKey = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

/**
 * Entries for every service port that gets rules. Skipped: ExternalName services, IPv6, and services that have
 * no selector and no EndpointSlice at all (their addresses are left to whatever listens on this host, e.g. the
 * cluster DNS). A service with a selector and no usable endpoint still gets an entry with empty `cluster`.
 */
export function buildEntries(services: Service[], slices: EndpointSlice[], nodeName: string): ServicePortEntry[] {
  const slicesBySvc = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc || (s.addressType && s.addressType !== 'IPv4')) continue;
    const key = `${s.metadata?.namespace ?? ''}/${svc}`;
    slicesBySvc.set(key, [...(slicesBySvc.get(key) ?? []), s]);
  }
  const out: ServicePortEntry[] = [];
  for (const svc of services) {
    const spec = svc.spec;
    const ns = svc.metadata?.namespace ?? '';
    const name = svc.metadata?.name ?? '';
    if (!spec || spec.type === 'ExternalName') continue;
    const mySlices = slicesBySvc.get(`${ns}/${name}`) ?? [];
    const hasSelector = !!spec.selector && Object.keys(spec.selector).length > 0;
    if (!hasSelector && mySlices.length === 0) continue;
    const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP]).filter(isIPv4);
    const nodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    const lbIPs =
      spec.type === 'LoadBalancer'
        ? (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ipMode !== 'Proxy').map((i) => i.ip).filter(isIPv4)
        : [];
    const affinity =
      spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : undefined;
    for (const p of spec.ports ?? []) {
      const protocol = (p.protocol ?? 'TCP') as Protocol;
      const portName = p.name ?? '';
      const eps = new Map<string, { b: Backend; ready: boolean; serving: boolean; terminating: boolean }>();
      for (const sl of mySlices) {
        const sp = (sl.ports ?? []).find((x) => (x.name ?? '') === portName && (x.protocol ?? 'TCP') === protocol);
        if (!sp?.port) continue;
        for (const e of sl.endpoints ?? []) {
          const ip = e.addresses?.[0];
          if (!isIPv4(ip)) continue;
          const ready = e.conditions?.ready !== false; // unset means ready (API contract)
          const serving = e.conditions?.serving ?? ready;
          const terminating = e.conditions?.terminating ?? false;
          const k = `${ip}:${sp.port}`;
          const prev = eps.get(k);
          // The same endpoint in two slices (mid-move): the readier copy wins.
          if (prev && (prev.ready || !ready)) continue;
          eps.set(k, { b: { ip, port: sp.port, local: e.nodeName === nodeName }, ready, serving, terminating });
        }
      }
      const all = [...eps.values()];
      out.push({
        id: `${ns}/${name}:${portName || p.port}/${protocol.toLowerCase()}`,
        namespace: ns,
        name,
        protocol,
        port: p.port,
        clusterIPs,
        ...(nodePorts && p.nodePort ? { nodePort: p.nodePort } : {}),
        externalIPs: (spec.externalIPs ?? []).filter(isIPv4),
        loadBalancerIPs: lbIPs,
        ...(affinity !== undefined ? { affinitySeconds: affinity } : {}),
        internalLocal: spec.internalTrafficPolicy === 'Local',
        externalLocal: spec.externalTrafficPolicy === 'Local',
        cluster: usableEndpoints(all).sort(byAddress),
        local: usableEndpoints(all.filter((e) => e.b.local)).sort(byAddress),
        known: [...eps.keys()].sort(),
      });
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
