// The endpoints controller: for every Service with a selector, its EndpointSlices (discovery.k8s.io/v1) and its
// legacy v1 Endpoints, from the pods the selector matches. Services without a selector are the user's (bar
// `default/kubernetes`, whose endpoints are the API server's own address: kubernetes-service.ts). Pod, slice and
// Endpoints events only enqueue the service key; reconcile(key) recomputes from the cache.
import type { KubeObject } from '../../api/object.js';
import type { ApiError } from '../../api/errors.js';
import { createWorkQueue, runWorkers } from '../../client/workqueue.js';
import { keyOf, splitKey, type Informer, type ResourceRef, type WorkQueue } from '../../client/types.js';
import { jsonEqual } from '../common/objects.js';
import { matchesMapSelector } from '../common/pod-util.js';
import { podSelectorHandlers } from '../common/owners.js';
import type { ControllerEnv } from '../common/run.js';
import { desiredEndpoints } from './legacy-endpoints.js';
import { planSlices, type SlicePlan } from './plan.js';
import { MIRROR_MANAGED_BY, planMirror } from './mirror.js';
import { WrittenSlices } from './written.js';
import { isKubernetesService, kubernetesEndpoints, kubernetesSlice, type ApiServerEndpoint } from './kubernetes-service.js';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, ZONE_LABEL, type EndpointSlice, type Endpoints, type Node, type Pod, type Service } from './types.js';

const ref = (group: string, resource: string, namespaced = true): ResourceRef => ({ group, version: 'v1', resource, namespaced });
export const SERVICES = ref('', 'services');
export const PODS = ref('', 'pods');
export const ENDPOINTS = ref('', 'endpoints');
export const ENDPOINT_SLICES = ref('discovery.k8s.io', 'endpointslices');
const NODES = ref('', 'nodes', false);

export interface EndpointSliceDeps extends ControllerEnv {
  workers?: number;
  maxEndpointsPerSlice?: number;
  /** Where the `kubernetes` service points (default: this machine's first IPv4, the service's targetPort). */
  apiServer?: Partial<ApiServerEndpoint>;
}

const ignore = (...reasons: string[]) => (e: ApiError) => {
  if (!reasons.includes(e.reason ?? '')) throw e;
};

export class EndpointSliceController {
  readonly queue: WorkQueue;
  readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly endpoints: Informer<Endpoints>;
  private readonly nodes: Informer<Node>;
  /** Slices written but maybe not yet in the cache: a reconcile on a stale cache would duplicate them. */
  private readonly written: WrittenSlices;

  constructor(private readonly d: EndpointSliceDeps) {
    this.queue = createWorkQueue({ clock: d.clock, name: 'endpointslice' });
    this.written = new WrittenSlices(d.clock);
    this.services = d.informers.informer<Service>(SERVICES);
    this.pods = d.informers.informer<Pod>(PODS);
    this.slices = d.informers.informer<EndpointSlice>(ENDPOINT_SLICES);
    this.endpoints = d.informers.informer<Endpoints>(ENDPOINTS);
    this.nodes = d.informers.informer<Node>(NODES);
    this.slices.addIndex('service', (s) => {
      const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      return name ? [`${s.metadata?.namespace ?? ''}/${name}`] : [];
    });
    const enqueue = (o: KubeObject) => this.queue.add(keyOf(o));
    this.services.addHandlers({ add: enqueue, update: (_o, n) => enqueue(n), delete: enqueue });
    this.pods.addHandlers(podSelectorHandlers((p) => this.enqueueFor(p)));
    const bySlice = (s: EndpointSlice) => {
      const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (name) this.queue.add(`${s.metadata?.namespace ?? ''}/${name}`);
    };
    this.slices.addHandlers({ add: bySlice, update: (_o, n) => bySlice(n), delete: bySlice });
    // Someone else's edit of an Endpoints we own is put right; a user's Endpoints are mirrored into slices.
    this.endpoints.addHandlers({ add: enqueue, update: (_o, n) => enqueue(n), delete: enqueue });
  }

  private enqueueFor(pod: Pod): void {
    for (const svc of this.services.list(pod.metadata?.namespace)) {
      if (matchesMapSelector(svc.spec?.selector, pod.metadata?.labels)) this.queue.add(keyOf(svc));
    }
  }

  private zoneOf = (node: string): string | undefined => this.nodes.get(undefined, node)?.metadata?.labels?.[ZONE_LABEL];

  /** Slices managed for the service named by key (any owner uid: stale ones from a deleted namesake too). */
  private managedSlices(key: string, by = MANAGED_BY): EndpointSlice[] {
    return this.slices.byIndex('service', key).filter((s) => s.metadata?.labels?.[MANAGED_BY_LABEL] === by);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ns = namespace ?? '';
    if (!this.written.settled(key, (n) => this.slices.get(ns, n))) {
      this.queue.addAfter(key, 50);
      return;
    }
    const svc = this.services.get(ns, name);
    if (svc && isKubernetesService(svc)) return this.reconcileKubernetes(svc);
    const selector = svc?.spec?.selector;
    const selects = !!svc && svc.spec?.type !== 'ExternalName' && !!selector && Object.keys(selector).length > 0;
    const mirrors = !!svc && !selects && svc.spec?.type !== 'ExternalName';
    const mirrored = this.managedSlices(key, MIRROR_MANAGED_BY);
    if (mirrors) await this.apply(key, planMirror(svc, this.endpoints.get(ns, name), mirrored));
    else for (const s of mirrored) await this.deleteSlice(key, s);
    if (!selects) {
      // Gone, or no longer selecting: our slices go (a selector-less service's own slices are not ours).
      for (const s of this.managedSlices(key)) await this.deleteSlice(key, s);
      // The Endpoints of a deleted service go too (Kubernetes' endpoints controller does the same).
      if (!svc && this.endpoints.get(ns, name)) await this.d.client.delete(ENDPOINTS, ns, name).catch(ignore('NotFound'));
      return;
    }
    const uid = svc.metadata?.uid;
    const all = this.managedSlices(key);
    for (const s of all.filter((s) => !s.metadata?.ownerReferences?.some((o) => o.uid === uid))) await this.deleteSlice(key, s);
    const pods = this.pods.list(ns).filter((p) => matchesMapSelector(selector, p.metadata?.labels));
    const plan = planSlices({
      service: svc,
      pods,
      existing: all.filter((s) => s.metadata?.ownerReferences?.some((o) => o.uid === uid)),
      zoneOf: this.zoneOf,
      ...(this.d.maxEndpointsPerSlice ? { maxPerSlice: this.d.maxEndpointsPerSlice } : {}),
    });
    await this.apply(key, plan);
    await this.syncEndpoints(desiredEndpoints(svc, pods, this.endpoints.get(ns, name)));
  }

  private async apply(key: string, plan: SlicePlan): Promise<void> {
    const ns = splitKey(key).namespace ?? '';
    // Creates and updates before deletes, so an endpoint moving between slices is never missing in between.
    for (const s of plan.create) {
      const made = await this.d.client.create<EndpointSlice>(ENDPOINT_SLICES, ns, s);
      this.written.wrote(key, made);
    }
    for (const s of plan.update) {
      const made = await this.d.client.update<EndpointSlice>(ENDPOINT_SLICES, ns, s);
      this.written.wrote(key, made);
    }
    for (const s of plan.delete) await this.deleteSlice(key, s);
  }

  private async deleteSlice(key: string, s: EndpointSlice): Promise<void> {
    const name = s.metadata?.name ?? '';
    await this.d.client.delete(ENDPOINT_SLICES, s.metadata?.namespace, name).catch(ignore('NotFound'));
    this.written.deleted(key, name);
  }

  private async syncEndpoints(want: Endpoints): Promise<void> {
    const ns = want.metadata?.namespace ?? '';
    const have = this.endpoints.get(ns, want.metadata?.name ?? '');
    if (have && jsonEqual(have.subsets ?? [], want.subsets ?? []) && jsonEqual(have.metadata?.labels ?? {}, want.metadata?.labels ?? {})) return;
    if (have) await this.d.client.update(ENDPOINTS, ns, want);
    else await this.d.client.create(ENDPOINTS, ns, want).catch(ignore('AlreadyExists'));
  }

  private async reconcileKubernetes(svc: Service): Promise<void> {
    const target = { ...this.d.apiServer };
    const want = kubernetesEndpoints(svc, target, this.endpoints.get('default', 'kubernetes'));
    await this.syncEndpoints(want);
    const have = this.slices.get('default', 'kubernetes');
    const slice = kubernetesSlice(svc, target, have);
    if (!have) await this.d.client.create(ENDPOINT_SLICES, 'default', slice).catch(ignore('AlreadyExists'));
    else if (!jsonEqual({ e: have.endpoints, p: have.ports, l: have.metadata?.labels }, { e: slice.endpoints, p: slice.ports, l: slice.metadata?.labels })) {
      await this.d.client.update(ENDPOINT_SLICES, 'default', slice);
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.d.informers.start(signal);
    if (signal.aborted) return;
    await runWorkers(this.queue, (k) => this.reconcile(k), { signal, logger: this.d.logger, workers: this.d.workers ?? 2 });
  }
}

/** Runs the EndpointSlice and Endpoints controller until deps.signal aborts. */
export function startEndpointSliceController(deps: EndpointSliceDeps): Promise<void> {
  return new EndpointSliceController({ ...deps, logger: deps.logger.child('endpointslice') }).run(deps.signal);
}
