// The built-in service load balancer, in the manner of k3s's ServiceLB but without its DaemonSet pods: a
// LoadBalancer Service (with no loadBalancerClass, or ours) gets every Ready node's InternalIP as its
// status.loadBalancer.ingress, so `kubectl get svc` shows an EXTERNAL-IP; the service proxy on each node then
// answers the service's ports on those addresses.
import type { KubeObject } from '../../api/object.js';
import type { ServiceSpec, ServiceStatus, LoadBalancerIngress } from 'kubernetes-types/core/v1.js';
import { nodes as NODES, services as SERVICES } from '../../client/resources.js';
import type { Informer } from '../../client/types.js';
import { startReconciler, type ControllerDeps, type ReconcilerDeps } from '../common/run.js';

/** Services asking for this class (or for none) are ours. */
export const SERVICELB_CLASS = 'tugboat.io/servicelb';

export interface Service extends KubeObject {
  spec?: ServiceSpec;
  status?: ServiceStatus;
}

interface Node extends KubeObject {
  spec?: { unschedulable?: boolean };
  status?: { addresses?: { type: string; address: string }[]; conditions?: { type: string; status: string }[] };
}

const ipKey = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

export const isOurs = (s: Service | undefined): boolean =>
  !!s && s.spec?.type === 'LoadBalancer' && (!s.spec.loadBalancerClass || s.spec.loadBalancerClass === SERVICELB_CLASS);

const ready = (n: Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** The ingress list for our services: the InternalIPs (IPv4) of every Ready node, sorted, as VIPs. */
export function ingressFor(nodes: Node[]): LoadBalancerIngress[] {
  const ips = new Set<string>();
  for (const n of nodes) {
    if (!ready(n) || n.metadata?.deletionTimestamp) continue;
    for (const a of n.status?.addresses ?? []) if (a.type === 'InternalIP' && /^\d{1,3}(\.\d{1,3}){3}$/.test(a.address)) ips.add(a.address);
  }
  return [...ips].sort((a, b) => ipKey(a) - ipKey(b)).map((ip) => ({ ip, ipMode: 'VIP' }));
}

const sameIngress = (a: LoadBalancerIngress[] | undefined, b: LoadBalancerIngress[]) =>
  JSON.stringify((a ?? []).map((i) => [i.ip, i.ipMode ?? 'VIP'])) === JSON.stringify(b.map((i) => [i.ip, i.ipMode]));

export class ServiceLbController {
  readonly informers: Informer[];
  private readonly services: Informer<Service>;
  private readonly nodes: Informer<Node>;

  constructor(private readonly d: ReconcilerDeps) {
    this.services = d.informers.informer<Service>(SERVICES);
    this.nodes = d.informers.informer<Node>(NODES);
    this.informers = [this.services, this.nodes] as Informer[];
    const svc = (s: Service) => {
      // Ours, or once ours and still carrying our addresses (type or class changed): both need a look.
      if (isOurs(s) || s.status?.loadBalancer?.ingress?.length) d.queue.add(`${s.metadata?.namespace}/${s.metadata?.name}`);
    };
    this.services.addHandlers({ add: svc, update: (_o, n) => svc(n) });
    // Any node change may change the address list; handlers only enqueue, reconcile re-reads everything.
    const all = () => {
      for (const s of this.services.list()) if (isOurs(s)) svc(s);
    };
    this.nodes.addHandlers({
      add: all,
      update: (o, n) => {
        if (ready(o) !== ready(n) || JSON.stringify(o.status?.addresses) !== JSON.stringify(n.status?.addresses)) all();
      },
      delete: all,
    });
  }

  async reconcile(key: string): Promise<void> {
    const [ns, name] = key.split('/') as [string, string];
    const svc = this.services.get(ns, name);
    if (!svc) return;
    let want: LoadBalancerIngress[];
    if (isOurs(svc)) want = ingressFor(this.nodes.list());
    // No longer a LoadBalancer of ours: take our node addresses back (another class's controller owns its own).
    else if (svc.spec?.type !== 'LoadBalancer' && this.ours(svc.status?.loadBalancer?.ingress)) want = [];
    else return;
    if (sameIngress(svc.status?.loadBalancer?.ingress, want)) return;
    const next = structuredClone(svc);
    next.status = { ...next.status, loadBalancer: want.length ? { ingress: want } : {} };
    await this.d.client.update(SERVICES, ns, next, { subresource: 'status' });
    if (want.length) {
      this.d.recorder?.event(svc, 'Normal', 'UpdatedIngressIP', `LoadBalancer Ingress IP addresses updated: ${want.map((i) => i.ip).join(', ')}`);
    }
  }

  /** Every ingress address is one of our nodes': it was this controller that set them. */
  private ours(ingress: LoadBalancerIngress[] | undefined): boolean {
    if (!ingress?.length) return false;
    const nodeIPs = new Set(this.nodes.list().flatMap((n) => (n.status?.addresses ?? []).map((a) => a.address)));
    return ingress.every((i) => !!i.ip && nodeIPs.has(i.ip) && !i.hostname);
  }
}

/** Runs the service load balancer until deps.signal aborts. */
export function startServiceLbController(deps: ControllerDeps): Promise<void> {
  return startReconciler('servicelb', deps, (d) => new ServiceLbController(d));
}
