// The v1 Endpoints object of a Service, as kube-controller-manager's endpoints controller still writes it:
// one subset per resolved port set, ready pods in addresses, unready ones in notReadyAddresses, terminating pods
// left out (unless publishNotReadyAddresses, which also makes every address ready).
import type { EndpointAddress, EndpointPort, EndpointSubset } from 'kubernetes-types/core/v1.js';
import { podConditions, podHasEndpoint, podHostname, podPorts, portsKey } from './pod-endpoints.js';
import { compareIPs, isHeadless } from './plan.js';
import { HEADLESS_LABEL, type Endpoints, type Pod, type Service } from './types.js';

export function desiredSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const publish = svc.spec?.publishNotReadyAddresses === true;
  const hasPorts = (svc.spec?.ports ?? []).length > 0;
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of pods) {
    if (!podHasEndpoint(pod)) continue;
    if (pod.metadata?.deletionTimestamp && !publish) continue;
    const ports = podPorts(svc, pod).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port ?? 0, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    if (hasPorts && ports.length === 0) continue;
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, ready: [], notReady: [] }));
    const hostname = podHostname(svc, pod);
    const addr: EndpointAddress = {
      ip: pod.status?.podIP ?? '',
      ...(hostname ? { hostname } : {}),
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
    };
    (podConditions(svc, pod).ready ? g.ready : g.notReady).push(addr);
  }
  const byIP = (a: EndpointAddress, b: EndpointAddress) => compareIPs(a.ip, b.ip);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => ({
      ...(g.ready.length ? { addresses: g.ready.sort(byIP) } : {}),
      ...(g.notReady.length ? { notReadyAddresses: g.notReady.sort(byIP) } : {}),
      ...(g.ports.length ? { ports: g.ports } : {}),
    }));
}

export function endpointsLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  delete labels[HEADLESS_LABEL];
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  return labels;
}

/** The Endpoints we want, on top of the stored one (kept metadata) or new. */
export function desiredEndpoints(svc: Service, pods: Pod[], have?: Endpoints): Endpoints {
  const meta = have ? structuredClone(have.metadata ?? {}) : { name: svc.metadata?.name, namespace: svc.metadata?.namespace };
  meta.labels = endpointsLabels(svc);
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: meta, subsets: desiredSubsets(svc, pods) };
}
