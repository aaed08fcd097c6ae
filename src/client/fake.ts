// Test doubles: a recording fake Client (an in-memory object map with resourceVersions, generateName, watches and
// reactors to inject errors) and a fake Informer tests preload and drive by hand. Unit tests of controllers call
// reconcile(key) against these and assert on `fake.actions`.
import { randomUUID } from 'node:crypto';
import { errors } from '../api/errors.js';
import { isPlainObject, type KubeObject } from '../api/object.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, builtinPatchMeta } from '../api/patch/index.js';
import { metaTime } from './events.js';
import { NAMESPACE_INDEX, OWNER_INDEX, ownerUids } from './informer.js';
import { keyOf } from './types.js';
import type {
  Client,
  DeleteOptions,
  Informer,
  InformerFactory,
  InformerHandlers,
  ListOptions,
  ObjectList,
  PatchOptions,
  PatchType,
  ResourceRef,
  WatchEvent,
  WatchOptions,
  WatchStream,
  WriteOptions,
} from './types.js';

export type ActionVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface Action {
  verb: ActionVerb;
  group: string;
  /** Lower-case plural, e.g. 'pods'. */
  resource: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  body?: unknown;
  patchType?: PatchType;
}

/** Returns a result to answer the call instead of the fake (or throws to fail it); undefined passes through. */
export type Reactor = (action: Action) => { result: unknown } | undefined;

const randomSuffix = () => Array.from({ length: 5 }, () => 'bcdfghjklmnpqrstvwxz2456789'[Math.floor(Math.random() * 27)]).join('');

/** Matches a label selector string: a=b, a==b, a!=b, a, !a, a in (x,y), a notin (x). */
export function matchLabelSelector(selector: string | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector?.trim()) return true;
  const parts = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return parts.every((raw) => {
    const p = raw.trim().replace(/^,/, '').trim();
    let m: RegExpExecArray | null;
    if ((m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(p))) {
      const vals = m[3]!.split(',').map((v) => v.trim());
      const has = m[1]! in labels && vals.includes(labels[m[1]!]!);
      return m[2] === 'in' ? has : !has;
    }
    if ((m = /^([^!=\s]+)\s*!=\s*(.*)$/.exec(p))) return labels[m[1]!] !== m[2]!.trim();
    if ((m = /^([^!=\s]+)\s*==?\s*(.*)$/.exec(p))) return labels[m[1]!] === m[2]!.trim();
    if (p.startsWith('!')) return !(p.slice(1).trim() in labels);
    return p in labels;
  });
}

/** Matches a field selector string (path=value, path!=value) against an object's dotted paths. */
export function matchFieldSelector(selector: string | undefined, obj: KubeObject): boolean {
  if (!selector?.trim()) return true;
  return selector.split(',').every((raw) => {
    const m = /^\s*([^!=\s]+)\s*(!=|==|=)\s*(.*?)\s*$/.exec(raw);
    if (!m) return true;
    let v: unknown = obj;
    for (const seg of m[1]!.split('.')) v = isPlainObject(v) ? v[seg] : undefined;
    const s = v === undefined || v === null ? '' : String(v);
    return m[2] === '!=' ? s !== m[3] : s === m[3];
  });
}

interface Watcher {
  res: ResourceRef;
  namespace: string | undefined;
  opts: WatchOptions;
  push(ev: WatchEvent): void;
}

export class FakeClient implements Client {
  readonly actions: Action[] = [];
  private readonly objects = new Map<string, KubeObject>();
  private readonly reactors: { verb: ActionVerb | '*'; resource: string; fn: Reactor }[] = [];
  private readonly watchers = new Set<Watcher>();
  private rv = 0;
  /** Timestamps for creationTimestamp and deletionTimestamp. */
  now: () => Date = () => new Date();

  /** Loads objects without recording actions (as if they existed before the test). */
  seed(res: ResourceRef, ...objs: KubeObject[]): this {
    for (const o of objs) {
      const obj = this.stamp(structuredClone(o), res, o.metadata?.namespace);
      this.objects.set(this.key(res, obj.metadata?.namespace, obj.metadata?.name ?? ''), obj);
    }
    return this;
  }

  /** Adds a reactor for verb ('*' for all) on a resource plural ('*' for all); the newest runs first. */
  prependReactor(verb: ActionVerb | '*', resource: string, fn: Reactor): this {
    this.reactors.unshift({ verb, resource, fn });
    return this;
  }

  /** Makes the next matching call fail with err (once). */
  failNext(verb: ActionVerb, resource: string, err: Error): this {
    let used = false;
    return this.prependReactor(verb, resource, () => {
      if (used) return undefined;
      used = true;
      throw err;
    });
  }

  /** Actions other than reads (get, list, watch): what a controller did. */
  writes(): Action[] {
    return this.actions.filter((a) => a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch');
  }

  clearActions(): void {
    this.actions.length = 0;
  }

  /** The stored object (a copy), or undefined. */
  peek<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, name: string): T | undefined {
    const o = this.objects.get(this.key(res, namespace, name));
    return o ? (structuredClone(o) as T) : undefined;
  }

  /** Every stored object of a resource (copies). */
  all<T extends KubeObject = KubeObject>(res: ResourceRef, namespace?: string): T[] {
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(this.prefix(res, namespace)))
      .map(([, o]) => structuredClone(o) as T);
  }

  async get<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, name: string, opts: { subresource?: string } = {}): Promise<T> {
    const r = this.record({ verb: 'get', res, namespace, name, subresource: opts.subresource });
    if (r) return r.result as T;
    const o = this.objects.get(this.key(res, namespace, name));
    if (!o) throw errors.notFound({ group: res.group, resource: res.resource }, name);
    return structuredClone(o) as T;
  }

  async list<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const r = this.record({ verb: 'list', res, namespace, body: opts });
    if (r) return r.result as ObjectList<T>;
    const items = this.all<T>(res, namespace).filter((o) => this.matches(o, opts));
    return { apiVersion: res.group ? `${res.group}/${res.version}` : res.version, kind: 'List', metadata: { resourceVersion: String(this.rv) }, items };
  }

  watch<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, opts: WatchOptions = {}): WatchStream<T> {
    this.record({ verb: 'watch', res, namespace, body: opts });
    const queue: WatchEvent<T>[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const w: Watcher = {
      res,
      namespace,
      opts,
      push: (ev) => {
        queue.push(ev as WatchEvent<T>);
        wake?.();
      },
    };
    if (!opts.resourceVersion || opts.resourceVersion === '0') {
      for (const o of this.all<T>(res, namespace)) if (this.matches(o, opts)) queue.push({ type: 'ADDED', object: o });
    }
    this.watchers.add(w);
    const close = () => {
      closed = true;
      this.watchers.delete(w);
      wake?.();
    };
    opts.signal?.addEventListener('abort', close, { once: true });
    async function* gen(): AsyncGenerator<WatchEvent<T>> {
      try {
        for (;;) {
          while (queue.length > 0) yield queue.shift()!;
          if (closed) return;
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      } finally {
        close();
      }
    }
    const it = gen();
    return { [Symbol.asyncIterator]: () => it, close };
  }

  async create<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, obj: T, opts: WriteOptions = {}): Promise<T> {
    const ns = res.namespaced ? (namespace ?? obj.metadata?.namespace) : undefined;
    const r = this.record({ verb: 'create', res, namespace: ns, name: obj.metadata?.name, subresource: opts.subresource, body: obj });
    if (r) return r.result as T;
    const o = structuredClone(obj) as KubeObject;
    o.metadata = { ...o.metadata };
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = o.metadata.generateName + randomSuffix();
    const name = o.metadata.name;
    if (!name) throw errors.badRequest('name or generateName is required');
    const k = this.key(res, ns, name);
    if (this.objects.has(k)) throw errors.alreadyExists({ group: res.group, resource: res.resource }, name);
    o.metadata.uid ??= randomUUID();
    o.metadata.creationTimestamp ??= metaTime(this.now());
    if (isPlainObject(o['spec'])) o.metadata.generation = 1;
    if (opts.dryRun) return this.stamp(o, res, ns) as T;
    this.put(res, k, this.stamp(o, res, ns), 'ADDED');
    return structuredClone(this.objects.get(k)) as T;
  }

  async update<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, obj: T, opts: WriteOptions = {}): Promise<T> {
    const ns = res.namespaced ? (namespace ?? obj.metadata?.namespace) : undefined;
    const name = obj.metadata?.name ?? '';
    const r = this.record({ verb: 'update', res, namespace: ns, name, subresource: opts.subresource, body: obj });
    if (r) return r.result as T;
    const k = this.key(res, ns, name);
    const old = this.objects.get(k);
    if (!old) throw errors.notFound({ group: res.group, resource: res.resource }, name);
    const wantRv = obj.metadata?.resourceVersion;
    if (wantRv && wantRv !== old.metadata?.resourceVersion) throw errors.modified({ group: res.group, resource: res.resource }, name);
    return this.write<T>(res, k, old, structuredClone(obj) as KubeObject, opts);
  }

  async patch<T extends KubeObject = KubeObject>(
    res: ResourceRef,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    opts: PatchOptions = {},
  ): Promise<T> {
    const ns = res.namespaced ? namespace : undefined;
    const r = this.record({ verb: 'patch', res, namespace: ns, name, subresource: opts.subresource, body, patchType: type });
    if (r) return r.result as T;
    const k = this.key(res, ns, name);
    const old = this.objects.get(k);
    if (!old) throw errors.notFound({ group: res.group, resource: res.resource }, name);
    const base = structuredClone(old);
    let next: unknown;
    if (type === 'json') next = applyJsonPatch(base, body);
    else if (type === 'strategic') next = applyStrategicMergePatch(base, body, builtinPatchMeta(old.kind ?? ''));
    else next = applyMergePatch(base, body); // apply: close enough for unit tests (no field ownership)
    const patched = next as KubeObject;
    const wantRv = patched.metadata?.resourceVersion;
    if (wantRv && wantRv !== old.metadata?.resourceVersion) throw errors.modified({ group: res.group, resource: res.resource }, name);
    return this.write<T>(res, k, old, patched, opts);
  }

  async delete(res: ResourceRef, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    const ns = res.namespaced ? namespace : undefined;
    const r = this.record({ verb: 'delete', res, namespace: ns, name, body: opts });
    if (r) return r.result as KubeObject;
    const k = this.key(res, ns, name);
    const old = this.objects.get(k);
    if (!old) throw errors.notFound({ group: res.group, resource: res.resource }, name);
    const pre = opts.preconditions;
    if ((pre?.uid && pre.uid !== old.metadata?.uid) || (pre?.resourceVersion && pre.resourceVersion !== old.metadata?.resourceVersion)) {
      throw errors.conflict({ group: res.group, resource: res.resource }, name, 'Precondition failed');
    }
    if (opts.dryRun) return structuredClone(old);
    const finalizers = [...(old.metadata?.finalizers ?? [])];
    if (opts.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (opts.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    if (finalizers.length > 0) {
      const o = structuredClone(old);
      o.metadata = { ...o.metadata, finalizers, deletionTimestamp: o.metadata?.deletionTimestamp ?? metaTime(this.now()) };
      this.put(res, k, this.stamp(o, res, ns), 'MODIFIED');
      return structuredClone(this.objects.get(k)!);
    }
    return this.remove(res, k);
  }

  async createSubresource<T extends KubeObject = KubeObject>(
    res: ResourceRef,
    namespace: string | undefined,
    name: string,
    subresource: string,
    body: KubeObject,
  ): Promise<T> {
    const ns = res.namespaced ? namespace : undefined;
    const r = this.record({ verb: 'create', res, namespace: ns, name, subresource, body });
    if (r) return r.result as T;
    const k = this.key(res, ns, name);
    const old = this.objects.get(k);
    if (!old) throw errors.notFound({ group: res.group, resource: res.resource }, name);
    if (subresource === 'binding') {
      const target = (body['target'] as { name?: string } | undefined)?.name;
      const o = structuredClone(old);
      o['spec'] = { ...(o['spec'] as object), nodeName: target };
      this.put(res, k, this.stamp(o, res, ns), 'MODIFIED');
    } else if (subresource === 'eviction') {
      this.remove(res, k);
    }
    return structuredClone(body) as T;
  }

  // ---- internals ----

  private record(a: { verb: ActionVerb; res: ResourceRef; namespace: string | undefined; name?: string; subresource?: string; body?: unknown; patchType?: PatchType }) {
    const action: Action = {
      verb: a.verb,
      group: a.res.group,
      resource: a.res.resource,
      namespace: a.res.namespaced ? a.namespace : undefined,
      name: a.name,
      subresource: a.subresource,
    };
    if (a.body !== undefined) action.body = structuredClone(a.body);
    if (a.patchType) action.patchType = a.patchType;
    this.actions.push(action);
    for (const r of this.reactors) {
      if ((r.verb === '*' || r.verb === a.verb) && (r.resource === '*' || r.resource === a.res.resource)) {
        const out = r.fn(action);
        if (out) return out;
      }
    }
    return undefined;
  }

  private write<T>(res: ResourceRef, k: string, old: KubeObject, next: KubeObject, opts: WriteOptions): T {
    let o: KubeObject;
    if (opts.subresource === 'status') {
      o = structuredClone(old);
      o['status'] = next['status'];
    } else if (opts.subresource) {
      o = { ...structuredClone(old), ...next, metadata: old.metadata };
    } else {
      o = next;
      // Writes to the main resource leave status alone, as for every type with a status subresource.
      if ('status' in old) o['status'] = structuredClone(old['status']);
      else delete o['status'];
      o.metadata = { ...next.metadata, uid: old.metadata?.uid, creationTimestamp: old.metadata?.creationTimestamp, deletionTimestamp: old.metadata?.deletionTimestamp };
      if (JSON.stringify(old['spec']) !== JSON.stringify(next['spec']) && old.metadata?.generation !== undefined) {
        o.metadata.generation = old.metadata.generation + 1;
      } else if (old.metadata?.generation !== undefined) o.metadata.generation = old.metadata.generation;
    }
    if (opts.dryRun) return structuredClone(o) as T;
    const ns = old.metadata?.namespace;
    // A terminating object whose last finalizer went away is gone.
    if (o.metadata?.deletionTimestamp && (o.metadata.finalizers ?? []).length === 0) {
      this.objects.set(k, this.stamp(o, res, ns));
      return this.remove(res, k) as T;
    }
    this.put(res, k, this.stamp(o, res, ns), 'MODIFIED');
    return structuredClone(this.objects.get(k)) as T;
  }

  private put(res: ResourceRef, k: string, o: KubeObject, type: 'ADDED' | 'MODIFIED'): void {
    this.objects.set(k, o);
    this.notify(res, type, o);
  }

  private remove(res: ResourceRef, k: string): KubeObject {
    const o = this.objects.get(k)!;
    this.objects.delete(k);
    const last = structuredClone(o);
    last.metadata = { ...last.metadata, resourceVersion: String(++this.rv) };
    this.notify(res, 'DELETED', last);
    return structuredClone(last);
  }

  private notify(res: ResourceRef, type: 'ADDED' | 'MODIFIED' | 'DELETED', o: KubeObject): void {
    for (const w of this.watchers) {
      if (w.res.group !== res.group || w.res.resource !== res.resource) continue;
      if (res.namespaced && w.namespace && w.namespace !== o.metadata?.namespace) continue;
      if (!this.matches(o, w.opts)) continue;
      w.push({ type, object: structuredClone(o) });
    }
  }

  private matches(o: KubeObject, opts: ListOptions): boolean {
    return matchLabelSelector(opts.labelSelector, o.metadata?.labels) && matchFieldSelector(opts.fieldSelector, o);
  }

  private stamp(o: KubeObject, res: ResourceRef, ns: string | undefined): KubeObject {
    o.metadata = { ...o.metadata, resourceVersion: String(++this.rv) };
    if (res.namespaced) o.metadata.namespace = ns ?? o.metadata.namespace ?? 'default';
    else delete o.metadata.namespace;
    return o;
  }

  private prefix(res: ResourceRef, namespace: string | undefined): string {
    const base = `${res.group}/${res.resource}/`;
    return res.namespaced && namespace ? `${base}${namespace}/` : base;
  }

  private key(res: ResourceRef, namespace: string | undefined, name: string): string {
    return res.namespaced ? `${res.group}/${res.resource}/${namespace ?? 'default'}/${name}` : `${res.group}/${res.resource}/${name}`;
  }
}

/** An informer tests fill by hand: add/update/delete change the cache and call handlers, like a watch would. */
export class FakeInformer<T extends KubeObject = KubeObject> implements Informer<T> {
  private readonly items = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly indexFns = new Map<string, (obj: T) => string[]>();
  synced = true;

  constructor(
    readonly resource: ResourceRef,
    objects: T[] = [],
  ) {
    this.indexFns.set(NAMESPACE_INDEX, (o) => [o.metadata?.namespace ?? '']);
    this.indexFns.set(OWNER_INDEX, ownerUids);
    for (const o of objects) this.items.set(keyOf(o), o);
  }

  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
  }
  addIndex(name: string, fn: (obj: T) => string[]): void {
    this.indexFns.set(name, fn);
  }
  async start(): Promise<void> {}
  hasSynced(): boolean {
    return this.synced;
  }
  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(this.resource.namespaced && namespace ? `${namespace}/${name}` : name);
  }
  list(namespace?: string): T[] {
    const all = [...this.items.values()];
    return namespace === undefined || !this.resource.namespaced ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }
  byIndex(name: string, value: string): T[] {
    const fn = this.indexFns.get(name);
    if (!fn) throw new Error(`no index named ${name}`);
    return [...this.items.values()].filter((o) => fn(o).includes(value));
  }

  /** Puts objects in the cache without calling handlers (preloading). */
  preload(...objs: T[]): this {
    for (const o of objs) this.items.set(keyOf(o), o);
    return this;
  }
  add(obj: T): void {
    this.items.set(keyOf(obj), obj);
    for (const h of this.handlers) h.add?.(obj);
  }
  update(obj: T): void {
    const old = this.items.get(keyOf(obj));
    this.items.set(keyOf(obj), obj);
    for (const h of this.handlers) {
      if (old) h.update?.(old, obj);
      else h.add?.(obj);
    }
  }
  delete(obj: T): void {
    this.items.delete(keyOf(obj));
    for (const h of this.handlers) h.delete?.(obj);
  }
}

/** Hands out FakeInformers, one per resource; preload them through informer(res). */
export class FakeInformerFactory implements InformerFactory {
  private readonly informers = new Map<string, FakeInformer>();
  informer<T extends KubeObject = KubeObject>(res: ResourceRef): FakeInformer<T> {
    const id = `${res.group}/${res.version}/${res.resource}`;
    let inf = this.informers.get(id);
    if (!inf) this.informers.set(id, (inf = new FakeInformer(res)));
    return inf as unknown as FakeInformer<T>;
  }
  async start(): Promise<void> {}
}

