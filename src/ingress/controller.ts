// The control side: informers over Ingresses, IngressClasses, Services, EndpointSlices and Secrets compiled into the
// route table and certificate map the data path reads. Any change marks the table stale; it is rebuilt once on the
// next tick (a burst of events costs one rebuild) or at once by the next request that finds it stale. Problems found
// while compiling become Warning events on the Ingress, once per distinct message set; status.loadBalancer is
// reconciled through a work queue, one key per Ingress.
import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass, IngressLoadBalancerIngress } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../api/object.js';
import {
  createWorkQueue,
  endpointslices,
  ingressclasses,
  ingresses,
  keyOf,
  runWorkers,
  secrets,
  services,
  splitKey,
  type Client,
  type EventRecorder,
  type Informer,
  type InformerFactory,
  type WorkQueue,
} from '../client/index.js';
import type { Logger } from '../util/logger.js';
import { resolveBackend, SERVICE_NAME_LABEL, type BackendSources, type Target } from './backends.js';
import { servesIngress } from './class.js';
import { allRefs, buildRoutes, type RouteTable } from './routes.js';
import type { CertStore } from './tls.js';

type K<T> = T & KubeObject;
const SERVICE_INDEX = 'ingress:service-name';

export interface ControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  recorder: EventRecorder;
  certs: CertStore;
  nodeIP: string;
  className: string;
  /** Called after each rebuild (data-plane workers get the new table and certificates from it). */
  onRebuild?: (routes: RouteTable) => void;
}

export class IngressControllerState {
  private readonly ing: Informer<K<Ingress>>;
  private readonly classes: Informer<K<IngressClass>>;
  private readonly svcs: Informer<K<Service>>;
  private readonly slices: Informer<K<EndpointSlice>>;
  private readonly secrets: Informer<K<Secret>>;
  private readonly queue: WorkQueue;
  private routes: RouteTable = buildRoutes([]);
  private dirty = true;
  private scheduled = false;
  /** Last problems reported per Ingress key, so a rebuild does not repeat its events. */
  private reported = new Map<string, string>();
  /** Rebuilds so far (for tests and logs). */
  rebuilds = 0;

  constructor(private readonly o: ControllerOptions) {
    const f = o.informers;
    this.ing = f.informer<K<Ingress>>(ingresses);
    this.classes = f.informer<K<IngressClass>>(ingressclasses);
    this.svcs = f.informer<K<Service>>(services);
    this.slices = f.informer<K<EndpointSlice>>(endpointslices);
    this.secrets = f.informer<K<Secret>>(secrets);
    this.slices.addIndex(SERVICE_INDEX, (s) => {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      return svc ? [`${s.metadata?.namespace ?? ''}/${svc}`] : [];
    });
    this.queue = createWorkQueue({ name: 'ingress-status' });
    const stale = { add: () => this.markDirty(), update: () => this.markDirty(), delete: () => this.markDirty() };
    for (const inf of [this.svcs, this.slices, this.secrets] as Informer[]) inf.addHandlers(stale);
    const enqueue = (i: K<Ingress>) => {
      this.markDirty();
      this.queue.add(keyOf(i));
    };
    this.ing.addHandlers({ add: enqueue, update: (_, n) => enqueue(n), delete: enqueue });
    // The default-class mark decides which class-less Ingresses are ours: recheck every status.
    const all = () => {
      this.markDirty();
      for (const i of this.ing.list()) this.queue.add(keyOf(i));
    };
    this.classes.addHandlers({ add: all, update: all, delete: all });
  }

  /** Starts the informers (resolving once synced) and the status workers; `done` settles when they have stopped. */
  async start(signal: AbortSignal): Promise<{ done: Promise<void> }> {
    await this.o.informers.start(signal);
    this.rebuild();
    return { done: runWorkers(this.queue, (k) => this.syncStatus(k), { signal, logger: this.o.logger }) };
  }

  /** The current route table, rebuilt first when something changed. */
  table(): RouteTable {
    if (this.dirty) this.rebuild();
    return this.routes;
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.dirty) this.rebuild();
    });
  }

  private served(): K<Ingress>[] {
    const ours = this.classes.get(undefined, this.o.className);
    return this.ing.list().filter((i) => !i.metadata?.deletionTimestamp && servesIngress(i, this.o.className, ours));
  }

  private rebuild(): void {
    this.dirty = false;
    this.rebuilds++;
    const served = this.served();
    const routes = buildRoutes(served);
    const src: BackendSources = {
      service: (ns, name) => this.svcs.get(ns, name),
      slices: (ns, name) => this.slices.byIndex(SERVICE_INDEX, `${ns}/${name}`),
    };
    // Round-robin positions survive a rebuild, so a busy backend set is not restarted at its first endpoint.
    const prev = new Map<string, Target>();
    for (const r of allRefs(this.routes)) if (r.target && r.backend.service) prev.set(targetKey(r.namespace, r.backend.service), r.target);
    const targets = new Map<string, Target>();
    const problems = new Map<string, Set<string>>();
    const problem = (ingKey: string, msg: string) => {
      let s = problems.get(ingKey);
      if (!s) problems.set(ingKey, (s = new Set()));
      s.add(msg);
    };
    for (const ref of allRefs(routes)) {
      const svc = ref.backend.service;
      if (!svc) {
        ref.target = { endpoints: [], error: 'resource backends are not supported by this controller', next: 0 };
        problem(ref.ingress, ref.target.error!);
        continue;
      }
      const key = targetKey(ref.namespace, svc);
      let t = targets.get(key);
      if (!t) {
        t = resolveBackend(src, ref.namespace, svc);
        t.next = prev.get(key)?.next ?? 0;
        targets.set(key, t);
      }
      ref.target = t;
      if (t.error) problem(ref.ingress, t.error);
    }
    for (const p of this.o.certs.update(served, (ns, name) => this.secrets.get(ns, name))) problem(keyOf(p.ingress as K<Ingress>), p.message);
    this.routes = routes;
    this.report(served, problems);
    this.o.onRebuild?.(routes);
  }

  private report(served: K<Ingress>[], problems: Map<string, Set<string>>): void {
    const next = new Map<string, string>();
    for (const ing of served) {
      const key = keyOf(ing);
      const msgs = [...(problems.get(key) ?? [])].sort();
      const sig = msgs.join('\n');
      next.set(key, sig);
      if (sig === '' || this.reported.get(key) === sig) continue;
      for (const m of msgs) this.o.recorder.event(ing, 'Warning', m.startsWith('secret ') ? 'InvalidTLS' : 'InvalidBackend', m);
      this.o.logger.info('ingress has problems', { ingress: key, problems: msgs.join('; ') });
    }
    this.reported = next;
  }

  /** Puts this node's address in status.loadBalancer.ingress of a served Ingress, and takes it out of others. */
  private async syncStatus(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ing = this.ing.get(namespace, name);
    if (!ing || ing.metadata?.deletionTimestamp) return;
    const serve = servesIngress(ing, this.o.className, this.classes.get(undefined, this.o.className));
    const current: IngressLoadBalancerIngress[] = ing.status?.loadBalancer?.ingress ?? [];
    const has = current.some((i) => i.ip === this.o.nodeIP);
    if (serve === has) return;
    const list = serve ? [...current, { ip: this.o.nodeIP }] : current.filter((i) => i.ip !== this.o.nodeIP);
    list.sort((a, b) => ((a.ip ?? a.hostname ?? '') < (b.ip ?? b.hostname ?? '') ? -1 : 1));
    const copy = structuredClone(ing);
    copy.status = { ...copy.status, loadBalancer: { ...copy.status?.loadBalancer, ingress: list } };
    await this.o.client.update(ingresses, namespace, copy, { subresource: 'status' });
  }
}

const targetKey = (ns: string, svc: { name: string; port?: { name?: string; number?: number } }) =>
  `${ns}/${svc.name}/${svc.port?.name ? `name:${svc.port.name}` : `number:${svc.port?.number ?? ''}`}`;
