// The garbage collector. Informers on every resource that can own or be owned keep a graph of ownerReferences
// (the informers' owner index gives an owner's dependents; a uid index finds an owner in the cache). Keys are
// `group/version/resource|namespace|name`. reconcile(key) handles one object:
//   - deleting with the `orphan` finalizer: strip references to it from its dependents, then the finalizer;
//   - deleting with `foregroundDeletion`: have every dependent deleted, and remove the finalizer once no
//     dependent with blockOwnerDeletion is left;
//   - otherwise, with owners: find out each owner's state (the cache says "there"; "gone" is always confirmed by
//     a live GET comparing uids, so a stale cache never deletes anything) and act on decide().
import type { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { apiVersionOf } from '../../api/resource.js';
import { OWNER_INDEX } from '../../client/informer.js';
import { createWorkQueue, runWorkers } from '../../client/workqueue.js';
import type { Informer, ResourceRef, WorkQueue } from '../../client/types.js';
import { blockingDependents, decide, type OwnerState } from './decide.js';
import { crdKind, kindOf, resolveKind, type Crd } from './kinds.js';
import type { ControllerEnv } from '../common/run.js';

const r = (group: string, version: string, resource: string, namespaced = true): ResourceRef => ({ group, version, resource, namespaced });
export const CRDS = r('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', false);

/** Resources whose objects commonly own or are owned. */
export const GC_RESOURCES: readonly ResourceRef[] = [
  r('', 'v1', 'pods'),
  r('', 'v1', 'replicationcontrollers'),
  r('', 'v1', 'services'),
  r('', 'v1', 'endpoints'),
  r('', 'v1', 'configmaps'),
  r('', 'v1', 'secrets'),
  r('', 'v1', 'serviceaccounts'),
  r('', 'v1', 'persistentvolumeclaims'),
  r('', 'v1', 'nodes', false),
  r('apps', 'v1', 'deployments'),
  r('apps', 'v1', 'replicasets'),
  r('apps', 'v1', 'statefulsets'),
  r('apps', 'v1', 'daemonsets'),
  r('apps', 'v1', 'controllerrevisions'),
  r('batch', 'v1', 'jobs'),
  r('batch', 'v1', 'cronjobs'),
  r('discovery.k8s.io', 'v1', 'endpointslices'),
  r('policy', 'v1', 'poddisruptionbudgets'),
  r('coordination.k8s.io', 'v1', 'leases'),
  r('autoscaling', 'v2', 'horizontalpodautoscalers'),
];

export const UID_INDEX = 'uid';

export interface GarbageCollectorDeps extends ControllerEnv {
  /** Also follow custom resources (an informer per CRD). Default true. */
  customResources?: boolean;
  resources?: readonly ResourceRef[];
  workers?: number;
}

const refId = (ref: ResourceRef) => `${ref.group}/${ref.version}/${ref.resource}`;
const isDeleting = (o: KubeObject) => !!o.metadata?.deletionTimestamp;
const hasFinalizer = (o: KubeObject, f: string) => (o.metadata?.finalizers ?? []).includes(f);

export class GarbageCollector {
  readonly queue: WorkQueue;
  private readonly watched = new Map<string, { ref: ResourceRef; inf: Informer }>();
  private readonly crds: Informer<Crd> | undefined;
  private running: AbortSignal | undefined;

  constructor(private readonly d: GarbageCollectorDeps) {
    this.queue = createWorkQueue({ clock: d.clock, name: 'garbagecollector' });
    for (const ref of d.resources ?? GC_RESOURCES) this.watch(ref);
    if (d.customResources !== false) {
      this.crds = d.informers.informer<Crd>(CRDS);
      const onCrd = (c: Crd) => {
        const k = crdKind(c);
        if (k && !this.watched.has(refId(k.ref))) {
          const inf = this.watch(k.ref);
          if (this.running) inf.start(this.running).catch((e: unknown) => this.d.logger.warn('custom resource informer failed', { resource: refId(k.ref), err: String(e) }));
        }
      };
      this.crds.addHandlers({ add: onCrd, update: (_o, n) => onCrd(n) });
    }
  }

  private watch(ref: ResourceRef): Informer {
    const inf = this.d.informers.informer(ref);
    inf.addIndex(UID_INDEX, (o) => (o.metadata?.uid ? [o.metadata.uid] : []));
    this.watched.set(refId(ref), { ref, inf });
    const key = (o: KubeObject) => `${refId(ref)}|${o.metadata?.namespace ?? ''}|${o.metadata?.name ?? ''}`;
    const changed = (o: KubeObject) => {
      if ((o.metadata?.ownerReferences?.length ?? 0) > 0 || (isDeleting(o) && (hasFinalizer(o, 'orphan') || hasFinalizer(o, 'foregroundDeletion')))) this.queue.add(key(o));
    };
    inf.addHandlers({
      add: changed,
      update: (old, o) => {
        changed(o);
        this.wakeWaitingOwners(old);
      },
      delete: (o) => {
        // Its dependents may now be orphans; its foreground-deleting owners may now be free.
        for (const dep of this.dependentsOf(o.metadata?.uid ?? '')) this.queue.add(dep.key);
        this.wakeWaitingOwners(o);
      },
    });
    return inf;
  }

  private wakeWaitingOwners(o: KubeObject): void {
    for (const ref of o.metadata?.ownerReferences ?? []) {
      for (const w of this.cachedByUid(ref.uid)) if (isDeleting(w.obj) && hasFinalizer(w.obj, 'foregroundDeletion')) this.queue.add(w.key);
    }
  }

  private cachedByUid(uid: string): { ref: ResourceRef; obj: KubeObject; key: string }[] {
    const out: { ref: ResourceRef; obj: KubeObject; key: string }[] = [];
    for (const { ref, inf } of this.watched.values()) {
      for (const obj of inf.byIndex(UID_INDEX, uid)) out.push({ ref, obj, key: `${refId(ref)}|${obj.metadata?.namespace ?? ''}|${obj.metadata?.name ?? ''}` });
    }
    return out;
  }

  dependentsOf(uid: string): { ref: ResourceRef; obj: KubeObject; key: string }[] {
    const out: { ref: ResourceRef; obj: KubeObject; key: string }[] = [];
    if (!uid) return out;
    for (const { ref, inf } of this.watched.values()) {
      for (const obj of inf.byIndex(OWNER_INDEX, uid)) out.push({ ref, obj, key: `${refId(ref)}|${obj.metadata?.namespace ?? ''}|${obj.metadata?.name ?? ''}` });
    }
    return out;
  }

  private crdList(): Crd[] {
    return this.crds?.list() ?? [];
  }

  /** apiVersion and kind filled in, for writing a cached object back. */
  private typed(ref: ResourceRef, obj: KubeObject): KubeObject {
    const copy = structuredClone(obj);
    copy.apiVersion = apiVersionOf(ref.group, ref.version);
    const kind = kindOf(ref, this.crdList());
    if (kind) copy.kind = kind;
    return copy;
  }

  async reconcile(key: string): Promise<void> {
    const [id = '', namespace = '', name = ''] = key.split('|');
    const w = this.watched.get(id);
    if (!w) return;
    const ns = namespace || undefined;
    const obj = w.inf.get(ns, name);
    if (!obj) return;
    if (isDeleting(obj)) {
      if (hasFinalizer(obj, 'orphan')) return this.orphan(w.ref, obj);
      if (hasFinalizer(obj, 'foregroundDeletion')) return this.foreground(w.ref, obj);
      return;
    }
    const refs = obj.metadata?.ownerReferences ?? [];
    if (refs.length === 0) return;
    const states = new Map<string, OwnerState>();
    for (const o of refs) states.set(o.uid, await this.ownerState(o, ns));
    const uid = obj.metadata?.uid ?? '';
    const d = decide(obj, states, this.dependentsOf(uid).length > 0);
    if (d.kind === 'keep') return;
    if (d.kind === 'rewrite-refs') {
      const next = this.typed(w.ref, obj);
      next.metadata = { ...next.metadata, ownerReferences: d.ownerReferences };
      if (d.ownerReferences.length === 0) delete next.metadata.ownerReferences;
      await this.d.client.update(w.ref, ns, next);
      return;
    }
    this.d.logger.info('deleting dependent', { object: key, propagationPolicy: d.propagationPolicy });
    try {
      await this.d.client.delete(w.ref, ns, name, { propagationPolicy: d.propagationPolicy, preconditions: { uid } });
    } catch (e) {
      const code = (e as ApiError).code;
      if (code !== 404 && code !== 409) throw e;
    }
  }

  /** Owner there (the cache is enough), gone (only after a live GET says so), or waiting on its dependents. */
  private async ownerState(o: { apiVersion: string; kind: string; name: string; uid: string }, depNamespace: string | undefined): Promise<OwnerState> {
    const cached = this.cachedByUid(o.uid)[0]?.obj;
    const judge = (owner: KubeObject): OwnerState => (isDeleting(owner) && hasFinalizer(owner, 'foregroundDeletion') ? 'waiting' : 'solid');
    if (cached) return judge(cached);
    const k = resolveKind(o.apiVersion, o.kind, this.crdList());
    if (!k) return 'unknown';
    try {
      const live = await this.d.client.get(k.ref, k.ref.namespaced ? depNamespace : undefined, o.name);
      return live.metadata?.uid === o.uid ? judge(live) : 'dangling';
    } catch (e) {
      if ((e as ApiError).code === 404) return 'dangling';
      throw e;
    }
  }

  private async removeFinalizer(ref: ResourceRef, obj: KubeObject, finalizer: string): Promise<void> {
    const next = this.typed(ref, obj);
    next.metadata = { ...next.metadata, finalizers: (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer) };
    try {
      await this.d.client.update(ref, obj.metadata?.namespace, next);
    } catch (e) {
      if ((e as ApiError).code !== 404) throw e;
    }
  }

  private async orphan(ref: ResourceRef, owner: KubeObject): Promise<void> {
    const uid = owner.metadata?.uid ?? '';
    for (const dep of this.dependentsOf(uid)) {
      const next = this.typed(dep.ref, dep.obj);
      const refs = (dep.obj.metadata?.ownerReferences ?? []).filter((x) => x.uid !== uid);
      next.metadata = { ...next.metadata, ownerReferences: refs };
      if (refs.length === 0) delete next.metadata.ownerReferences;
      try {
        await this.d.client.update(dep.ref, dep.obj.metadata?.namespace, next);
      } catch (e) {
        if ((e as ApiError).code !== 404) throw e;
      }
    }
    await this.removeFinalizer(ref, owner, 'orphan');
  }

  private async foreground(ref: ResourceRef, owner: KubeObject): Promise<void> {
    const uid = owner.metadata?.uid ?? '';
    const deps = this.dependentsOf(uid);
    // Each dependent's own reconcile sees this owner waiting and deletes it.
    for (const dep of deps) if (!isDeleting(dep.obj) || hasFinalizer(dep.obj, 'foregroundDeletion')) this.queue.add(dep.key);
    if (blockingDependents(uid, deps.map((x) => x.obj)).length > 0) return;
    await this.removeFinalizer(ref, owner, 'foregroundDeletion');
  }

  async run(signal: AbortSignal): Promise<void> {
    this.running = signal;
    await this.d.informers.start(signal);
    // Informers for custom resources found during the first list start here.
    await Promise.all([...this.watched.values()].map((w) => w.inf.start(signal)));
    await runWorkers(this.queue, (k) => this.reconcile(k), { signal, logger: this.d.logger, workers: this.d.workers ?? 4 });
  }
}

/** Runs the garbage collector until deps.signal aborts. */
export function startGarbageCollector(deps: GarbageCollectorDeps): Promise<void> {
  return new GarbageCollector({ ...deps, logger: deps.logger.child('garbagecollector') }).run(deps.signal);
}
