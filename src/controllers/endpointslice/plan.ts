// The slices a Service should have, worked out against the slices it has, with as little churn as possible:
// an endpoint stays in the slice that already holds it (updated in place), new endpoints fill slices with room
// before a new slice is made, and a slice is deleted only when nothing is left in it. Kubernetes' reconciler
// works the same way (pkg/controller/endpointslice/reconciler.go), so proxies see small diffs.
import { newControllerRef } from '../common/controller-ref.js';
import { jsonEqual } from '../common/objects.js';
import { podEndpoint, podHasEndpoint, podPorts, portsKey } from './pod-endpoints.js';
import {
  HEADLESS_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  MAX_ENDPOINTS_PER_SLICE,
  SERVICE_NAME_LABEL,
  type Endpoint,
  type EndpointPort,
  type EndpointSlice,
  type Pod,
  type Service,
} from './types.js';

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

export interface PlanInput {
  service: Service;
  /** Pods the service's selector matches (in its namespace). */
  pods: Pod[];
  /** Slices this controller manages for the service. */
  existing: EndpointSlice[];
  zoneOf?: (node: string) => string | undefined;
  maxPerSlice?: number;
}

export const isHeadless = (svc: Service) => svc.spec?.clusterIP === 'None';

/** The labels of a managed slice: the service's own, then ours (which win). */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  delete labels[HEADLESS_LABEL];
  labels[SERVICE_NAME_LABEL] = svc.metadata?.name ?? '';
  labels[MANAGED_BY_LABEL] = MANAGED_BY;
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  return labels;
}

interface Group {
  ports: EndpointPort[];
  /** by address */
  endpoints: Map<string, Endpoint>;
}

/** Pods grouped by their resolved port set. */
export function desiredGroups(svc: Service, pods: Pod[], zoneOf: (node: string) => string | undefined = () => undefined): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const pod of pods) {
    if (!podHasEndpoint(pod)) continue;
    const ports = podPorts(svc, pod);
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: new Map() }));
    const ep = podEndpoint(svc, pod, zoneOf);
    g.endpoints.set(ep.addresses[0] ?? '', ep);
  }
  return groups;
}

const byAddress = (a: Endpoint, b: Endpoint) => compareIPs(a.addresses[0] ?? '', b.addresses[0] ?? '');

/** Numeric order for IPv4 addresses (10.0.0.9 before 10.0.0.10), text order otherwise. */
export function compareIPs(a: string, b: string): number {
  const na = a.split('.').map(Number);
  const nb = b.split('.').map(Number);
  if (na.length === 4 && nb.length === 4 && !na.some(isNaN) && !nb.some(isNaN)) {
    for (let i = 0; i < 4; i++) if (na[i] !== nb[i]) return na[i]! - nb[i]!;
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function build(svc: Service, base: EndpointSlice | undefined, ports: EndpointPort[], endpoints: Endpoint[]): EndpointSlice {
  const name = svc.metadata?.name ?? '';
  const meta = base ? structuredClone(base.metadata ?? {}) : { generateName: `${name}-`, namespace: svc.metadata?.namespace };
  meta.labels = sliceLabels(svc);
  meta.ownerReferences = [newControllerRef(svc, 'v1', 'Service')];
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta,
    addressType: 'IPv4',
    endpoints: [...endpoints].sort(byAddress),
    ports,
  };
}

/** Whether a slice as stored differs from the one we want in anything we manage. */
function differs(have: EndpointSlice, want: EndpointSlice): boolean {
  const norm = (s: EndpointSlice) => ({
    labels: s.metadata?.labels ?? {},
    owners: (s.metadata?.ownerReferences ?? []).map((o) => o.uid),
    addressType: s.addressType,
    endpoints: s.endpoints ?? [],
    ports: s.ports ?? [],
  });
  return !jsonEqual(norm(have), norm(want));
}

export function planSlices(input: PlanInput): SlicePlan {
  const { service: svc } = input;
  const max = input.maxPerSlice ?? MAX_ENDPOINTS_PER_SLICE;
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const groups = desiredGroups(svc, input.pods, input.zoneOf);
  const existing = [...input.existing].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const keep = (have: EndpointSlice | undefined, ports: EndpointPort[], eps: Endpoint[]) => {
    const want = build(svc, have, ports, eps);
    if (!have) plan.create.push(want);
    else if (differs(have, want)) plan.update.push(want);
  };

  // No endpoints at all: one empty placeholder slice, as Kubernetes keeps, so consumers see "known, empty".
  if (groups.size === 0) {
    const [first, ...rest] = existing;
    keep(first, [], []);
    plan.delete.push(...rest);
    return plan;
  }

  const byKey = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    const k = portsKey(s.ports ?? []);
    byKey.set(k, [...(byKey.get(k) ?? []), s]);
  }
  for (const [k, slices] of byKey) if (!groups.has(k)) plan.delete.push(...slices);

  for (const [key, g] of groups) {
    const pending = new Map(g.endpoints);
    // First pass: every endpoint already in a slice stays there.
    const kept = (byKey.get(key) ?? []).map((slice) => {
      const eps: Endpoint[] = [];
      for (const ep of slice.endpoints ?? []) {
        const addr = ep.addresses[0] ?? '';
        const want = pending.get(addr);
        if (!want || eps.length >= max) continue;
        eps.push(want);
        pending.delete(addr);
      }
      return { slice, eps };
    });
    // Second pass: new endpoints fill the slices with room, then new slices.
    const rest = [...pending.values()].sort(byAddress);
    for (const k of kept) while (rest.length && k.eps.length < max) k.eps.push(rest.shift()!);
    for (const k of kept) {
      if (k.eps.length === 0) plan.delete.push(k.slice);
      else keep(k.slice, g.ports, k.eps);
    }
    for (let i = 0; i < rest.length; i += max) keep(undefined, g.ports, rest.slice(i, i + max));
  }
  return plan;
}
