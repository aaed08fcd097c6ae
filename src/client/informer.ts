// An informer: one paginated list, then one watch from the list's resourceVersion (with bookmarks), re-watching
// from the last version seen when the server ends a watch, and relisting when the server answers 410 (the version
// was compacted). A relist is delivered as the differences against the cache (add, update, delete), so handlers
// never miss a change and never see a duplicate. Handlers run synchronously, in registration order.
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { realClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { refString } from './resources.js';
import { keyOf, type Client, type Informer, type InformerHandlers, type ResourceRef, type WatchStream } from './types.js';

export const NAMESPACE_INDEX = 'namespace';
export const OWNER_INDEX = 'owner';

/** Index function: the uids of an object's owners (to find the objects one owner owns). */
export const ownerUids = (o: KubeObject): string[] => (o.metadata?.ownerReferences ?? []).map((r) => r.uid);

export interface InformerOptions {
  client: Client;
  resource: ResourceRef;
  /** Watch one namespace only (all namespaces when unset). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** For retry delays after errors (network time, so the factory leaves it real even when controllers get a FakeClock). */
  clock?: Clock;
  logger?: Logger;
  /** List page size (default 500, as client-go). */
  pageSize?: number;
  /** Server-side watch timeout; default a random 5-10 minutes so many informers do not re-watch together. */
  watchTimeoutSeconds?: number;
}

interface Index<T> {
  fn: (obj: T) => string[];
  values: Map<string, Set<string>>;
}

const isExpired = (e: unknown) => e instanceof ApiError && (e.code === 410 || e.reason === 'Expired' || e.reason === 'Gone');

export class SharedInformer<T extends KubeObject = KubeObject> implements Informer<T> {
  readonly resource: ResourceRef;
  private readonly o: InformerOptions;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly items = new Map<string, T>();
  private readonly indexes = new Map<string, Index<T>>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private synced = false;
  private started: Promise<void> | undefined;
  private running: Promise<void> | undefined;
  private watch: WatchStream<T> | undefined;
  private lastRv = '';
  private restarting = false;

  constructor(o: InformerOptions) {
    this.o = o;
    this.resource = o.resource;
    this.clock = o.clock ?? realClock;
    this.log = (o.logger ?? silentLogger).child(`informer:${refString(o.resource)}`);
    this.addIndex(NAMESPACE_INDEX, (obj) => [obj.metadata?.namespace ?? '']);
    this.addIndex(OWNER_INDEX, ownerUids);
  }

  /** A handler added after the first list gets an add for every cached object, as client-go does. */
  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
    if (this.synced && h.add) for (const obj of this.items.values()) this.call(() => h.add!(obj));
  }

  /** Adding an index of a name already present replaces it; indexes added after start are built from the cache. */
  addIndex(name: string, fn: (obj: T) => string[]): void {
    const idx: Index<T> = { fn, values: new Map() };
    this.indexes.set(name, idx);
    for (const [key, obj] of this.items) this.indexAdd(idx, key, obj);
  }

  start(signal: AbortSignal): Promise<void> {
    if (this.started) return this.started;
    let resolveSynced!: () => void;
    this.started = new Promise<void>((r) => (resolveSynced = r));
    const onAbort = () => resolveSynced();
    signal.addEventListener('abort', onAbort, { once: true });
    this.running = this.run(signal, () => {
      signal.removeEventListener('abort', onAbort);
      resolveSynced();
    }).catch((e: unknown) => this.log.error('informer stopped', { err: String(e) }));
    return this.started;
  }

  /** Resolves when the loop has fully stopped (after the signal aborted). */
  stopped(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion of the last list or watch event applied. */
  lastSyncResourceVersion(): string {
    return this.lastRv;
  }

  /** Ends the current watch; the loop re-watches from the last version seen (tests use it to force a restart). */
  restartWatch(): void {
    this.restarting = true;
    this.watch?.close();
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(this.resource.namespaced && namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): T[] {
    if (namespace === undefined || !this.resource.namespaced) return [...this.items.values()];
    return this.byIndex(NAMESPACE_INDEX, namespace);
  }

  byIndex(name: string, value: string): T[] {
    const idx = this.indexes.get(name);
    if (!idx) throw new Error(`informer ${refString(this.resource)}: no index named ${name}`);
    const keys = idx.values.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const obj = this.items.get(k);
      if (obj) out.push(obj);
    }
    return out;
  }

  private async run(signal: AbortSignal, onSynced: () => void): Promise<void> {
    let needList = true;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (needList) {
          this.lastRv = await this.relist(signal);
          needList = false;
          if (!this.synced) {
            this.synced = true;
            onSynced();
          }
        }
        if (signal.aborted) break;
        const timeoutSeconds = this.o.watchTimeoutSeconds ?? Math.floor(300 + Math.random() * 300);
        const w = this.o.client.watch<T>(this.resource, this.o.namespace, {
          resourceVersion: this.lastRv,
          allowWatchBookmarks: true,
          timeoutSeconds,
          labelSelector: this.o.labelSelector,
          fieldSelector: this.o.fieldSelector,
          signal,
        });
        this.watch = w;
        const began = Date.now();
        let events = 0;
        try {
          for await (const ev of w) {
            failures = 0;
            events++;
            const rv = ev.object?.metadata?.resourceVersion;
            if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.upsert(ev.object);
            else if (ev.type === 'DELETED') this.remove(keyOf(ev.object), ev.object);
            if (rv) this.lastRv = rv;
          }
        } finally {
          this.watch = undefined;
          w.close();
        }
        // A server that ends watches at once (shutting down, misbehaving proxy) must not make us spin.
        const asked = this.restarting;
        this.restarting = false;
        if (events === 0 && Date.now() - began < 1000 && !signal.aborted && !asked) {
          failures++;
          await this.clock.sleep(Math.min(30_000, 100 * 2 ** Math.min(failures, 9)), signal).catch(() => {});
        }
      } catch (e) {
        if (signal.aborted) break;
        if (isExpired(e)) {
          this.log.info('resource version expired, relisting', { rv: this.lastRv });
          needList = true;
          continue;
        }
        failures++;
        const delay = Math.min(30_000, 100 * 2 ** Math.min(failures, 9));
        this.log.warn(needList ? 'list failed' : 'watch failed', { err: e instanceof Error ? e.message : String(e), retryMs: delay });
        await this.clock.sleep(delay, signal).catch(() => {});
      }
    }
  }

  /** Lists every page and applies the differences to the cache; returns the list's resourceVersion. */
  private async relist(signal: AbortSignal): Promise<string> {
    const pageSize = this.o.pageSize ?? 500;
    let items: T[] = [];
    let rv = '';
    let cont: string | undefined;
    let limit: number | undefined = pageSize;
    do {
      if (signal.aborted) throw signal.reason;
      try {
        const page = await this.o.client.list<T>(this.resource, this.o.namespace, {
          limit,
          continue: cont,
          labelSelector: this.o.labelSelector,
          fieldSelector: this.o.fieldSelector,
        });
        items = items.concat(page.items);
        rv = page.metadata.resourceVersion ?? rv;
        cont = page.metadata.continue || undefined;
      } catch (e) {
        // The continue token expired mid-list: take everything in one page instead, as client-go does.
        if (cont === undefined || !isExpired(e)) throw e;
        items = [];
        cont = undefined;
        limit = undefined;
      }
    } while (cont);
    this.replace(items);
    return rv;
  }

  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      const key = keyOf(obj);
      seen.add(key);
      const old = this.items.get(key);
      if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) continue;
      this.upsert(obj);
    }
    for (const [key, obj] of [...this.items]) if (!seen.has(key)) this.remove(key, obj);
  }

  private upsert(obj: T): void {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const idx of this.indexes.values()) this.indexAdd(idx, key, obj);
    for (const h of this.handlers) {
      if (old) {
        if (h.update) this.call(() => h.update!(old, obj));
      } else if (h.add) this.call(() => h.add!(obj));
    }
  }

  private remove(key: string, last: T): void {
    const old = this.items.get(key);
    if (!old) return;
    this.unindex(key, old);
    this.items.delete(key);
    for (const h of this.handlers) if (h.delete) this.call(() => h.delete!(last));
  }

  private indexAdd(idx: Index<T>, key: string, obj: T): void {
    for (const v of this.indexValues(idx, obj)) {
      let set = idx.values.get(v);
      if (!set) idx.values.set(v, (set = new Set()));
      set.add(key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const idx of this.indexes.values()) {
      for (const v of this.indexValues(idx, obj)) {
        const set = idx.values.get(v);
        set?.delete(key);
        if (set?.size === 0) idx.values.delete(v);
      }
    }
  }

  private indexValues(idx: Index<T>, obj: T): string[] {
    try {
      return idx.fn(obj);
    } catch (e) {
      this.log.warn('index function failed', { err: String(e) });
      return [];
    }
  }

  private call(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.log.error('handler failed', { err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  }
}
