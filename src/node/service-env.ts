// The service environment variables kubelet gives every container (pkg/kubelet/envvars and getServiceEnvVarMap):
// {NAME}_SERVICE_HOST / _SERVICE_PORT / _SERVICE_PORT_{PORTNAME}, plus Docker-link style {NAME}_PORT... forms.
// In-cluster clients find the API through KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT.
import type { Pod, Service } from 'kubernetes-types/core/v1.js';

/** Services by namespace, from the agent's informer cache. */
export interface ServiceLister {
  list(namespace: string): Service[];
}

/** The namespace and names whose services every pod sees, even with enableServiceLinks false. */
const MASTER_NAMESPACE = 'default';
const MASTER_SERVICES = new Set(['kubernetes']);

const envName = (s: string) => s.replaceAll('-', '_').toUpperCase();

/** A service gets variables only with a real cluster IP: headless ("None"), unallocated and ExternalName do not. */
function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None' && svc.spec?.type !== 'ExternalName';
}

/** The variables for these services, in kubelet's order per service (later services win a name clash). */
export function serviceEnvVars(services: readonly Service[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const svc of services) {
    if (!hasClusterIP(svc)) continue;
    const ip = svc.spec!.clusterIP!;
    const ports = svc.spec?.ports ?? [];
    const prefix = envName(svc.metadata?.name ?? '');
    env[`${prefix}_SERVICE_HOST`] = ip;
    const first = ports[0];
    if (!first) continue;
    env[`${prefix}_SERVICE_PORT`] = String(first.port);
    // Validation lets only a lone port go unnamed, so every other port has a name here.
    for (const p of ports) if (p.name) env[`${prefix}_SERVICE_PORT_${envName(p.name)}`] = String(p.port);
    // URL forms bracket an IPv6 address (kubelet joins host and port as Go's net.JoinHostPort does).
    const hostPort = (port: number) => `${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
    ports.forEach((p, i) => {
      const proto = (p.protocol ?? 'TCP').toLowerCase();
      if (i === 0) env[`${prefix}_PORT`] = `${proto}://${hostPort(p.port)}`;
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      env[pp] = `${proto}://${hostPort(p.port)}`;
      env[`${pp}_PROTO`] = proto;
      env[`${pp}_PORT`] = String(p.port);
      env[`${pp}_ADDR`] = ip;
    });
  }
  return env;
}

/**
 * The services a pod's containers see: every service of its namespace unless spec.enableServiceLinks is false, and
 * always default/kubernetes. On a name clash the pod's own namespace wins (when its links are on).
 */
export function podServices(pod: Pod, lister: ServiceLister): Service[] {
  const ns = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks !== false;
  const byName = new Map<string, Service>();
  for (const svc of lister.list(MASTER_NAMESPACE)) {
    const name = svc.metadata?.name ?? '';
    if (MASTER_SERVICES.has(name) && hasClusterIP(svc)) byName.set(name, svc);
  }
  if (links) {
    for (const svc of lister.list(ns)) if (hasClusterIP(svc)) byName.set(svc.metadata?.name ?? '', svc);
  }
  return [...byName.values()];
}

/** The service variables for a pod's containers (the base that the container's own env overrides). */
export function podServiceEnv(pod: Pod, lister: ServiceLister): Record<string, string> {
  return serviceEnvVars(podServices(pod, lister));
}
