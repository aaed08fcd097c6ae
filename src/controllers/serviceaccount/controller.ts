// The service account controller: every active namespace has a `default` ServiceAccount, made again if deleted.
import type { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { createWorkQueue, runWorkers } from '../../client/workqueue.js';
import type { Informer, ResourceRef, WorkQueue } from '../../client/types.js';
import type { ControllerEnv } from '../common/run.js';

const NAMESPACES: ResourceRef = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };
const SERVICE_ACCOUNTS: ResourceRef = { group: '', version: 'v1', resource: 'serviceaccounts', namespaced: true };
export const DEFAULT_SERVICE_ACCOUNTS = ['default'];

export interface ServiceAccountDeps extends ControllerEnv {
  /** Accounts every namespace gets (default: just `default`). */
  names?: string[];
}

interface Namespace extends KubeObject {
  status?: { phase?: string };
}

export const isActive = (ns: Namespace | undefined): boolean => !!ns && !ns.metadata?.deletionTimestamp && ns.status?.phase !== 'Terminating';

export class ServiceAccountController {
  readonly queue: WorkQueue;
  private readonly namespaces: Informer<Namespace>;
  private readonly accounts: Informer;
  private readonly names: string[];

  constructor(private readonly d: ServiceAccountDeps) {
    this.names = d.names ?? DEFAULT_SERVICE_ACCOUNTS;
    this.queue = createWorkQueue({ clock: d.clock, name: 'serviceaccount' });
    this.namespaces = d.informers.informer<Namespace>(NAMESPACES);
    this.accounts = d.informers.informer(SERVICE_ACCOUNTS);
    const ns = (n: Namespace) => this.queue.add(n.metadata?.name ?? '');
    this.namespaces.addHandlers({ add: ns, update: (_o, n) => ns(n) });
    this.accounts.addHandlers({
      delete: (sa) => {
        if (this.names.includes(sa.metadata?.name ?? '')) this.queue.add(sa.metadata?.namespace ?? '');
      },
    });
  }

  async reconcile(namespace: string): Promise<void> {
    if (!isActive(this.namespaces.get(undefined, namespace))) return;
    for (const name of this.names) {
      if (this.accounts.get(namespace, name)) continue;
      try {
        await this.d.client.create(SERVICE_ACCOUNTS, namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
      } catch (e) {
        const err = e as ApiError;
        // Already there (our cache lagged), or the namespace started terminating meanwhile: nothing to do.
        if (err.reason === 'AlreadyExists' || err.code === 403 || err.code === 404) continue;
        throw e;
      }
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.d.informers.start(signal);
    await runWorkers(this.queue, (k) => this.reconcile(k), { signal, logger: this.d.logger, workers: 1 });
  }
}

/** Runs the service account controller until deps.signal aborts. */
export function startServiceAccountController(deps: ServiceAccountDeps): Promise<void> {
  return new ServiceAccountController({ ...deps, logger: deps.logger.child('serviceaccount') }).run(deps.signal);
}
