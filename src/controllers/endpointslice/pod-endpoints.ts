// What one pod contributes to a Service's endpoints: whether it counts at all, its conditions, its hostname,
// and the service's ports resolved against its containers (a named targetPort can be a different number on
// every pod, which is why slices group pods by their resolved port set).
import type { ServicePort } from 'kubernetes-types/core/v1.js';
import { isPodReady } from '../common/pod-util.js';
import type { Endpoint, EndpointPort, Pod, Service } from './types.js';

/** A pod with an address that has not finished: it belongs in the endpoints (terminating ones flagged as such). */
export function podHasEndpoint(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.status?.podIP && phase !== 'Succeeded' && phase !== 'Failed';
}

/** The container port a service port reaches on this pod; undefined when a named port is not declared there. */
export function resolveTargetPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/** The slice ports of a pod, in service order; ports the pod cannot resolve are left out (as Kubernetes does). */
export function podPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = resolveTargetPort(pod, sp);
    if (port === undefined) continue;
    out.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out;
}

/** A stable key of a port set, so pods with the same resolved ports share slices. */
export function portsKey(ports: readonly EndpointPort[]): string {
  return ports
    .map((p) => `${p.name ?? ''}/${p.protocol ?? 'TCP'}/${p.port ?? ''}/${p.appProtocol ?? ''}`)
    .sort()
    .join(',');
}

/**
 * The DNS hostname of a pod under this service: spec.hostname when spec.subdomain names the service (how a
 * StatefulSet's pods get `<pod>.<svc>.<ns>.svc`).
 */
export function podHostname(svc: Service, pod: Pod): string | undefined {
  const h = pod.spec?.hostname;
  return h && pod.spec?.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace ? h : undefined;
}

export interface PodConditions {
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/** ready: serving and not terminating; serving: Ready regardless; publishNotReadyAddresses makes both true. */
export function podConditions(svc: Service, pod: Pod): PodConditions {
  const terminating = !!pod.metadata?.deletionTimestamp;
  const publish = svc.spec?.publishNotReadyAddresses === true;
  const serving = publish || isPodReady(pod);
  return { ready: publish || (serving && !terminating), serving, terminating };
}

/** One slice endpoint for a pod. zoneOf looks up the node's zone label. */
export function podEndpoint(svc: Service, pod: Pod, zoneOf: (node: string) => string | undefined): Endpoint {
  const c = podConditions(svc, pod);
  const hostname = podHostname(svc, pod);
  const node = pod.spec?.nodeName;
  const zone = node ? zoneOf(node) : undefined;
  return {
    addresses: [pod.status?.podIP ?? ''],
    conditions: { ready: c.ready, serving: c.serving, terminating: c.terminating },
    ...(hostname ? { hostname } : {}),
    ...(node ? { nodeName: node } : {}),
    ...(zone ? { zone } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
  };
}
