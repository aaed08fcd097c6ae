// EndpointSlices mirrored from the v1 Endpoints a user writes for a Service without a selector (what
// kube-controller-manager's endpointslicemirroring controller does), so the service proxy, which reads only
// slices, serves such services too. One slice per subset (ports differ between subsets), 100 endpoints at most.
import { jsonEqual } from '../common/objects.js';
import { newControllerRef } from '../common/controller-ref.js';
import { portsKey } from './pod-endpoints.js';
import { MAX_ENDPOINTS_PER_SLICE, SERVICE_NAME_LABEL, type Endpoint, type EndpointPort, type EndpointSlice, type Endpoints, type Service } from './types.js';

export const MIRROR_MANAGED_BY = 'endpointslicemirroring-controller.k8s.io';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

export function mirrorLabels(svc: Service, ep: Endpoints): Record<string, string> {
  return { ...(ep.metadata?.labels ?? {}), [SERVICE_NAME_LABEL]: svc.metadata?.name ?? '', [MANAGED_BY_LABEL]: MIRROR_MANAGED_BY };
}

/** The slices an Endpoints object stands for (IPv4 addresses only). */
export function mirroredContent(ep: Endpoints | undefined): { ports: EndpointPort[]; endpoints: Endpoint[] }[] {
  if (!ep || ep.metadata?.labels?.[SKIP_MIRROR_LABEL] === 'true') return [];
  const out: { ports: EndpointPort[]; endpoints: Endpoint[] }[] = [];
  const ipv4 = (ip: string) => /^\d+\.\d+\.\d+\.\d+$/.test(ip);
  for (const sub of ep.subsets ?? []) {
    const ports = (sub.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    const toEp = (ready: boolean) => (a: { ip: string; hostname?: string; nodeName?: string; targetRef?: Endpoint['targetRef'] }): Endpoint => ({
      addresses: [a.ip],
      conditions: { ready },
      ...(a.hostname ? { hostname: a.hostname } : {}),
      ...(a.nodeName ? { nodeName: a.nodeName } : {}),
      ...(a.targetRef ? { targetRef: a.targetRef } : {}),
    });
    const eps = [...(sub.addresses ?? []).filter((a) => ipv4(a.ip)).map(toEp(true)), ...(sub.notReadyAddresses ?? []).filter((a) => ipv4(a.ip)).map(toEp(false))];
    for (let i = 0; i < eps.length; i += MAX_ENDPOINTS_PER_SLICE) out.push({ ports, endpoints: eps.slice(i, i + MAX_ENDPOINTS_PER_SLICE) });
  }
  return out;
}

/** Creates, updates and deletes that make `have` (the mirrored slices now) match the Endpoints. */
export function planMirror(svc: Service, ep: Endpoints | undefined, have: EndpointSlice[]): { create: EndpointSlice[]; update: EndpointSlice[]; delete: EndpointSlice[] } {
  const want = mirroredContent(ep);
  const plan = { create: [] as EndpointSlice[], update: [] as EndpointSlice[], delete: [] as EndpointSlice[] };
  const pool = [...have].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const labels = ep ? mirrorLabels(svc, ep) : {};
  for (const w of want) {
    // Reuse a slice with the same ports first, then any, so a change updates in place.
    const i = Math.max(0, pool.findIndex((s) => portsKey(s.ports ?? []) === portsKey(w.ports)));
    const base = pool.splice(i, 1)[0];
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: base ? { ...structuredClone(base.metadata ?? {}), labels } : { generateName: `${svc.metadata?.name}-`, namespace: svc.metadata?.namespace, labels },
      addressType: 'IPv4',
      endpoints: w.endpoints,
      ports: w.ports,
    };
    slice.metadata!.ownerReferences = [newControllerRef(svc, 'v1', 'Service')];
    if (!base) plan.create.push(slice);
    else if (!jsonEqual({ e: base.endpoints ?? [], p: base.ports ?? [], l: base.metadata?.labels }, { e: slice.endpoints, p: slice.ports, l: labels })) plan.update.push(slice);
  }
  plan.delete.push(...pool);
  return plan;
}
