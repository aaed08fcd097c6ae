// The namespace controller: a namespace being deleted (deletionTimestamp, phase Terminating) has everything in
// it deleted, pass after pass, with conditions saying what remains; once nothing remains, the `kubernetes`
// finalizer is removed through namespaces/<name>/finalize and the API server lets the namespace go.
import type { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { createWorkQueue, runWorkers } from '../../client/workqueue.js';
import type { Informer, ResourceRef, WorkQueue } from '../../client/types.js';
import { jsonEqual } from '../common/objects.js';
import type { ControllerEnv } from '../common/run.js';
import { mergeConditions, namespaceConditions, type NamespaceCondition, type PassResult } from './conditions.js';
import { namespacedRefs } from './resources.js';

export const NAMESPACES: ResourceRef = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };
export const FINALIZER = 'kubernetes';

export interface NamespaceDeps extends ControllerEnv {
  /** How soon to look again while content remains (default 1 s). */
  recheckMs?: number;
  workers?: number;
}

interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string; conditions?: NamespaceCondition[] };
}

export class NamespaceController {
  readonly queue: WorkQueue;
  private readonly namespaces: Informer<Namespace>;

  constructor(private readonly d: NamespaceDeps) {
    this.queue = createWorkQueue({ clock: d.clock, name: 'namespace' });
    this.namespaces = d.informers.informer<Namespace>(NAMESPACES);
    const enqueue = (ns: Namespace) => {
      if (ns.metadata?.deletionTimestamp) this.queue.add(ns.metadata.name ?? '');
    };
    this.namespaces.addHandlers({ add: enqueue, update: (_o, n) => enqueue(n) });
  }

  /** For the API server's namespaceDeleting hook: start at once instead of waiting for the watch. */
  kick(name: string): void {
    this.queue.add(name);
  }

  async reconcile(name: string): Promise<void> {
    const cached = this.namespaces.get(undefined, name);
    if (!cached?.metadata?.deletionTimestamp) return;
    // The cache may lag (a namespace deleted and made again): act on what the server has now.
    let ns: Namespace;
    try {
      ns = await this.d.client.get<Namespace>(NAMESPACES, undefined, name);
    } catch (e) {
      if ((e as ApiError).code === 404) return;
      throw e;
    }
    if (!ns.metadata?.deletionTimestamp || !(ns.spec?.finalizers ?? []).includes(FINALIZER)) return;
    const pass = await this.deleteContent(name);
    const conditions = mergeConditions(ns.status?.conditions, namespaceConditions(pass), this.d.clock.now());
    if (!jsonEqual(conditions, ns.status?.conditions)) {
      ns = await this.d.client.update<Namespace>(NAMESPACES, undefined, { ...ns, apiVersion: 'v1', kind: 'Namespace', status: { ...ns.status, conditions } }, { subresource: 'status' });
    }
    if (pass.remaining.size > 0 || pass.failures.length > 0) {
      this.queue.addAfter(name, this.d.recheckMs ?? 1000);
      return;
    }
    const finalizers = (ns.spec?.finalizers ?? []).filter((f) => f !== FINALIZER);
    await this.d.client.update(NAMESPACES, undefined, { ...ns, apiVersion: 'v1', kind: 'Namespace', spec: { ...ns.spec, finalizers } }, { subresource: 'finalize' });
    this.d.logger.info('namespace finalized', { namespace: name });
  }

  /** One pass: delete every object in the namespace and count what is still there. */
  async deleteContent(namespace: string): Promise<PassResult> {
    const r: PassResult = { remaining: new Map(), finalizers: new Map(), failures: [] };
    const refs = await namespacedRefs(this.d.client);
    await Promise.all(
      refs.map(async (ref) => {
        const label = `${ref.resource}.${ref.group}`;
        let items: KubeObject[];
        try {
          items = (await this.d.client.list(ref, namespace)).items;
        } catch (e) {
          const code = (e as ApiError).code;
          if (code === 404 || code === 405) return;
          r.failures.push(`${label}: ${(e as Error).message}`);
          return;
        }
        if (items.length === 0) return;
        r.remaining.set(label, items.length);
        for (const obj of items) {
          for (const f of obj.metadata?.finalizers ?? []) r.finalizers.set(f, (r.finalizers.get(f) ?? 0) + 1);
          if (obj.metadata?.deletionTimestamp) continue;
          try {
            await this.d.client.delete(ref, namespace, obj.metadata?.name ?? '', { propagationPolicy: 'Background', preconditions: { uid: obj.metadata?.uid } });
          } catch (e) {
            const code = (e as ApiError).code;
            if (code !== 404 && code !== 409) r.failures.push(`${label} "${obj.metadata?.name ?? ''}": ${(e as Error).message}`);
          }
        }
      }),
    );
    return r;
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.d.informers.start(signal);
    await runWorkers(this.queue, (k) => this.reconcile(k), { signal, logger: this.d.logger, workers: this.d.workers ?? 2 });
  }
}

/** Runs the namespace controller until deps.signal aborts. */
export function startNamespaceController(deps: NamespaceDeps): Promise<void> {
  return new NamespaceController({ ...deps, logger: deps.logger.child('namespace') }).run(deps.signal);
}
