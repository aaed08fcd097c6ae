// The root CA publisher: every active namespace holds a `kube-root-ca.crt` ConfigMap with the cluster CA bundle,
// which the projected kube-api-access volumes mount so in-cluster clients can verify the API server. Like
// kube-controller-manager's root-ca-cert-publisher: made when missing, put back after an edit or a delete.
import type { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { createWorkQueue, runWorkers } from '../../client/workqueue.js';
import type { Informer, ResourceRef, WorkQueue } from '../../client/types.js';
import type { ControllerEnv } from '../common/run.js';
import { corrected, desiredConfigMap, isPublished, ROOT_CA_CONFIGMAP, type ConfigMap } from './configmap.js';

const NAMESPACES: ResourceRef = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };
const CONFIGMAPS: ResourceRef = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };

export interface RootCaPublisherDeps extends ControllerEnv {
  /** The cluster CA bundle (PEM) published as data["ca.crt"]. */
  caPem: string;
}

interface Namespace extends KubeObject {
  status?: { phase?: string };
}

const isActive = (ns: Namespace | undefined): boolean => !!ns && !ns.metadata?.deletionTimestamp && ns.status?.phase !== 'Terminating';

export class RootCaPublisher {
  readonly queue: WorkQueue;
  private readonly namespaces: Informer<Namespace>;
  private readonly configMaps: Informer<ConfigMap>;

  constructor(private readonly d: RootCaPublisherDeps) {
    this.queue = createWorkQueue({ clock: d.clock, name: 'root-ca-cert-publisher' });
    this.namespaces = d.informers.informer<Namespace>(NAMESPACES);
    this.configMaps = d.informers.informer<ConfigMap>(CONFIGMAPS);
    const ns = (n: Namespace) => this.queue.add(n.metadata?.name ?? '');
    this.namespaces.addHandlers({ add: ns, update: (_o, n) => ns(n) });
    // The ConfigMap informer is shared with others: only ours matter, and they key by their namespace.
    const cm = (c: ConfigMap) => {
      if (c.metadata?.name === ROOT_CA_CONFIGMAP) this.queue.add(c.metadata.namespace ?? '');
    };
    this.configMaps.addHandlers({ add: cm, update: (_o, c) => cm(c), delete: cm });
  }

  async reconcile(namespace: string): Promise<void> {
    // A terminating namespace refuses new content and is about to lose this one anyway.
    if (!isActive(this.namespaces.get(undefined, namespace))) return;
    const cm = this.configMaps.get(namespace, ROOT_CA_CONFIGMAP);
    if (cm && isPublished(cm, this.d.caPem)) return;
    try {
      if (!cm) await this.d.client.create(CONFIGMAPS, namespace, desiredConfigMap(namespace, this.d.caPem));
      else await this.d.client.update(CONFIGMAPS, namespace, corrected(cm, this.d.caPem));
    } catch (e) {
      const err = e as ApiError;
      // Our cache lagged behind a create or a delete (its watch event requeues the namespace), or the
      // namespace went away or started terminating meanwhile: nothing to retry. Conflicts do retry.
      if (err.reason === 'AlreadyExists' || err.code === 403 || err.code === 404) return;
      throw e;
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.namespaces.start(signal), this.configMaps.start(signal)]);
    if (signal.aborted) return;
    await runWorkers(this.queue, (k) => this.reconcile(k), { signal, logger: this.d.logger, workers: 1 });
  }
}

/** Runs the root CA publisher until deps.signal aborts. */
export function startRootCaPublisher(deps: RootCaPublisherDeps): Promise<void> {
  return new RootCaPublisher(deps).run(deps.signal);
}
