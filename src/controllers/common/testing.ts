// Test doubles for controller reconcile tests: informers preloaded by hand (no watch) and a client that records
// what it was asked to do. Tests call reconcile(key) directly and assert on the actions.
import type { KubeObject } from '../../api/object.js';
import { errors } from '../../api/errors.js';
import {
  keyOf,
  type Client,
  type Informer,
  type InformerFactory,
  type InformerHandlers,
  type ObjectList,
  type ResourceRef,
  type WatchStream,
  type WorkQueue,
} from '../../client/types.js';

export class StaticInformer<T extends KubeObject = KubeObject> implements Informer<T> {
  readonly items = new Map<string, T>();
  readonly handlers: InformerHandlers<T>[] = [];
  constructor(readonly resource: ResourceRef) {}
  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
  }
  addIndex(): void {}
  async start(): Promise<void> {}
  hasSynced(): boolean {
    return true;
  }
  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }
  list(namespace?: string): T[] {
    return [...this.items.values()].filter((o) => namespace === undefined || o.metadata?.namespace === namespace);
  }
  byIndex(): T[] {
    return [];
  }
  /** Puts an object in the cache and tells the handlers, as a watch event would. */
  set(obj: T): void {
    const old = this.items.get(keyOf(obj));
    this.items.set(keyOf(obj), obj);
    for (const h of this.handlers) old ? h.update?.(old, obj) : h.add?.(obj);
  }
  remove(obj: T): void {
    this.items.delete(keyOf(obj));
    for (const h of this.handlers) h.delete?.(obj);
  }
}

export class StaticInformerFactory implements InformerFactory {
  private readonly map = new Map<string, StaticInformer>();
  informer<T extends KubeObject = KubeObject>(res: ResourceRef): StaticInformer<T> {
    const id = `${res.group}/${res.resource}`;
    let i = this.map.get(id);
    if (!i) this.map.set(id, (i = new StaticInformer(res)));
    return i as unknown as StaticInformer<T>;
  }
  async start(): Promise<void> {}
}

export interface Action {
  verb: 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete';
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  object?: KubeObject;
  patch?: unknown;
}

/**
 * Records every call. Reads answer from the informers (so a fresh get sees what the test preloaded); writes
 * succeed unless `fail` returns an error for them; creates get names from generateName and uids.
 */
export class RecordingClient implements Client {
  readonly actions: Action[] = [];
  fail: (a: Action) => Error | undefined = () => undefined;
  private n = 0;
  constructor(private readonly informers: StaticInformerFactory) {}

  private record(a: Action): void {
    this.actions.push(a);
    const e = this.fail(a);
    if (e) throw e;
  }
  /** Actions other than reads, as "verb resource[/sub] name" strings: handy for deepEqual. */
  writes(): string[] {
    return this.actions
      .filter((a) => a.verb !== 'get' && a.verb !== 'list')
      .map((a) => `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.name ? ` ${a.name}` : ''}`);
  }
  async get<T extends KubeObject>(res: ResourceRef, namespace: string | undefined, name: string): Promise<T> {
    this.record({ verb: 'get', resource: res.resource, namespace, name });
    const o = this.informers.informer(res).get(namespace, name);
    if (!o) throw errors.notFound(res, name);
    return structuredClone(o) as T;
  }
  async list<T extends KubeObject>(res: ResourceRef, namespace: string | undefined): Promise<ObjectList<T>> {
    this.record({ verb: 'list', resource: res.resource, namespace });
    return { metadata: {}, items: this.informers.informer<T>(res).list(namespace) };
  }
  watch<T extends KubeObject>(): WatchStream<T> {
    throw new Error('RecordingClient does not watch');
  }
  async create<T extends KubeObject>(res: ResourceRef, namespace: string | undefined, obj: T): Promise<T> {
    const o = structuredClone(obj);
    o.metadata = { ...o.metadata, namespace };
    if (!o.metadata.name) o.metadata.name = `${o.metadata.generateName ?? ''}${(++this.n).toString().padStart(5, '0')}`;
    o.metadata.uid ??= `uid-${o.metadata.name}`;
    this.record({ verb: 'create', resource: res.resource, namespace, name: o.metadata.name, object: o });
    return o;
  }
  async update<T extends KubeObject>(res: ResourceRef, namespace: string | undefined, obj: T, opts?: { subresource?: string }): Promise<T> {
    this.record({ verb: 'update', resource: res.resource, namespace, name: obj.metadata?.name, subresource: opts?.subresource, object: structuredClone(obj) });
    return obj;
  }
  async patch<T extends KubeObject>(res: ResourceRef, namespace: string | undefined, name: string, _type: string, body: unknown, opts?: { subresource?: string }): Promise<T> {
    this.record({ verb: 'patch', resource: res.resource, namespace, name, subresource: opts?.subresource, patch: body });
    const o = this.informers.informer(res).get(namespace, name);
    return structuredClone(o ?? { metadata: { name, namespace } }) as T;
  }
  async delete(res: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject> {
    this.record({ verb: 'delete', resource: res.resource, namespace, name });
    return {};
  }
  async createSubresource<T extends KubeObject>(res: ResourceRef, namespace: string | undefined, name: string, subresource: string, body: KubeObject): Promise<T> {
    this.record({ verb: 'create', resource: res.resource, namespace, name, subresource, object: body });
    return body as T;
  }
}

/** A queue that only remembers what was added, for handler tests. */
export class RecordingQueue implements WorkQueue {
  readonly added: string[] = [];
  readonly delayed: { key: string; ms: number }[] = [];
  add(key: string): void {
    this.added.push(key);
  }
  addAfter(key: string, ms: number): void {
    this.delayed.push({ key, ms });
  }
  addRateLimited(key: string): void {
    this.added.push(key);
  }
  forget(): void {}
  async get(): Promise<string | undefined> {
    return undefined;
  }
  done(): void {}
  shutDown(): void {}
  get length(): number {
    return this.added.length;
  }
}

/**
 * For integration tests: waitFor(what, cond) resolves once cond() holds, checked again each time notify() runs
 * (wire it to the informers' handlers), and fails after ms.
 */
export function changeWaiter(defaultMs: number) {
  const waiting: (() => void)[] = [];
  const notify = (): void => waiting.splice(0).forEach((f) => f());
  const waitFor = (what: string, cond: () => boolean, ms = defaultMs) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      const check = () => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
        } else waiting.push(check);
      };
      check();
    });
  return { notify, waitFor };
}
