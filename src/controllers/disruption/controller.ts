// The disruption controller: keeps every PodDisruptionBudget's status (expectedPods, desiredHealthy,
// currentHealthy, disruptionsAllowed, disruptedPods, the DisruptionAllowed condition) in step with its pods.
// Pod events enqueue the budgets whose selector matches the pod; reconcile(key) recomputes one budget from the
// cache and writes its status when it changed.
import type { KubeObject } from '../../api/object.js';
import { createWorkQueue, runWorkers } from '../../client/workqueue.js';
import { keyOf, splitKey, type Informer, type ResourceRef, type WorkQueue } from '../../client/types.js';
import { controllerRefOf } from '../common/controller-ref.js';
import { podSelectorHandlers } from '../common/owners.js';
import { jsonEqual } from '../common/objects.js';
import type { Pod } from '../common/types.js';
import type { ControllerEnv } from '../common/run.js';
import { computeBudgetStatus, needsControllerScale } from './budget.js';
import { labelSelectorMatches } from '../../api/selectors.js';
import type { PodDisruptionBudget } from './types.js';

const ref = (group: string, resource: string): ResourceRef => ({ group, version: 'v1', resource, namespaced: true });
export const PDB_REF = ref('policy', 'poddisruptionbudgets');
const PODS = ref('', 'pods');
const RS = ref('apps', 'replicasets');
const DEPLOY = ref('apps', 'deployments');
const STS = ref('apps', 'statefulsets');
const RC = ref('', 'replicationcontrollers');

export interface DisruptionDeps extends ControllerEnv {
  workers?: number;
}

interface Scaled extends KubeObject {
  spec?: { replicas?: number };
}

export class DisruptionController {
  readonly queue: WorkQueue;
  private readonly pdbs: Informer<PodDisruptionBudget>;
  private readonly pods: Informer<Pod>;
  private readonly controllers: Record<string, Informer<Scaled>>;

  constructor(private readonly d: DisruptionDeps) {
    this.queue = createWorkQueue({ clock: d.clock, name: 'disruption' });
    this.pdbs = d.informers.informer<PodDisruptionBudget>(PDB_REF);
    this.pods = d.informers.informer<Pod>(PODS);
    this.controllers = {
      'apps/ReplicaSet': d.informers.informer<Scaled>(RS),
      'apps/Deployment': d.informers.informer<Scaled>(DEPLOY),
      'apps/StatefulSet': d.informers.informer<Scaled>(STS),
      '/ReplicationController': d.informers.informer<Scaled>(RC),
    };
    const enqueue = (o: KubeObject) => this.queue.add(keyOf(o));
    this.pdbs.addHandlers({ add: enqueue, update: (_o, n) => enqueue(n), delete: enqueue });
    this.pods.addHandlers(podSelectorHandlers((p) => this.enqueueFor(p)));
    // A controller's scale changes expectedPods for percentage budgets: look at every budget of its namespace.
    for (const inf of Object.values(this.controllers)) {
      const all = (o: KubeObject) => {
        for (const b of this.pdbs.list(o.metadata?.namespace)) this.queue.add(keyOf(b));
      };
      inf.addHandlers({ add: all, update: (_o, n) => all(n), delete: all });
    }
  }

  private enqueueFor(pod: Pod): void {
    for (const b of this.pdbs.list(pod.metadata?.namespace)) {
      if (labelSelectorMatches(b.spec?.selector, pod.metadata?.labels)) this.queue.add(keyOf(b));
    }
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pdb = this.pdbs.get(namespace, name);
    if (!pdb) return;
    const pods = this.pods.list(namespace).filter((p) => labelSelectorMatches(pdb.spec?.selector, p.metadata?.labels));
    const now = this.d.clock.now();
    const controllerScale = needsControllerScale(pdb) ? this.controllerScale(pods) : 0;
    const { status, recheckAt } = computeBudgetStatus({ pdb, pods, controllerScale, now });
    if (recheckAt !== undefined) this.queue.addAfter(key, Math.max(0, recheckAt - now.getTime()));
    if (jsonEqual(status, pdb.status)) return;
    const next: PodDisruptionBudget = { ...structuredClone(pdb), apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', status };
    await this.d.client.update(PDB_REF, namespace, next, { subresource: 'status' });
  }

  /** The summed scale of the distinct controllers of these pods (a ReplicaSet of a Deployment counts as the Deployment). */
  controllerScale(pods: readonly Pod[]): number | { error: string } {
    const seen = new Map<string, number>();
    for (const p of pods) {
      const r = controllerRefOf(p);
      if (!r) return { error: `found no controller ref for pod "${p.metadata?.name ?? ''}"` };
      const group = r.apiVersion.includes('/') ? r.apiVersion.slice(0, r.apiVersion.lastIndexOf('/')) : '';
      let owner = this.controllers[`${group}/${r.kind}`]?.get(p.metadata?.namespace, r.name);
      if (owner && owner.metadata?.uid !== r.uid) owner = undefined;
      if (owner && r.kind === 'ReplicaSet') {
        const dr = controllerRefOf(owner);
        const dep = dr?.kind === 'Deployment' ? this.controllers['apps/Deployment']?.get(p.metadata?.namespace, dr.name) : undefined;
        if (dep && dep.metadata?.uid === dr?.uid) owner = dep;
      }
      if (!owner) return { error: `found no controllers for pod "${p.metadata?.name ?? ''}"` };
      seen.set(owner.metadata?.uid ?? '', owner.spec?.replicas ?? 1);
    }
    let sum = 0;
    for (const n of seen.values()) sum += n;
    return sum;
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.d.informers.start(signal);
    await runWorkers(this.queue, (k) => this.reconcile(k), { signal, logger: this.d.logger, workers: this.d.workers ?? 2 });
  }
}

/** Runs the disruption controller until deps.signal aborts. */
export function startDisruptionController(deps: DisruptionDeps): Promise<void> {
  const c = new DisruptionController({ ...deps, logger: deps.logger.child('disruption') });
  return c.run(deps.signal);
}
