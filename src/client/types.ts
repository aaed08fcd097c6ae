// The client contract every controller, the scheduler, node agents and simulated nodes program against.
// Implementations: the REST client over HTTPS or over an in-process transport (src/client/rest*.ts), and a
// recording fake for unit tests (src/client/fake*.ts). Errors are ApiError values (src/api/errors.ts) carrying the
// server's Status, so `err.reason === 'NotFound'`, `'Conflict'`, `'AlreadyExists'` can be checked directly.
import type { KubeObject, ListMeta } from '../api/object.js';

/** Which resource a call is about: group ('' for core), version and lower-case plural. */
export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
  /** Cluster-scoped resources ignore the namespace argument. */
  namespaced: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** e.g. 'status' or 'scale' */
  subresource?: string;
}

export interface PatchOptions extends WriteOptions {
  /** For apply patches: take over conflicting fields. */
  force?: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  /** For ERROR: a Status object. */
  object: T;
}

/**
 * A stream of watch events. Ends when the server ends it (timeout), the signal aborts, or close() is called;
 * iteration throws an ApiError for an ERROR event the server sends (410 Expired when the resourceVersion is too old).
 */
export interface WatchStream<T extends KubeObject = KubeObject> extends AsyncIterable<WatchEvent<T>> {
  close(): void;
}

export interface Client {
  get<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, name: string, opts?: { subresource?: string }): Promise<T>;
  list<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, opts?: ListOptions): Promise<ObjectList<T>>;
  watch<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, opts?: WatchOptions): WatchStream<T>;
  create<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, obj: T, opts?: WriteOptions): Promise<T>;
  /** PUT; with opts.subresource 'status' writes only status. */
  update<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, obj: T, opts?: WriteOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(
    res: ResourceRef,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    opts?: PatchOptions,
  ): Promise<T>;
  /** Resolves to the object as the server returned it (with deletionTimestamp when finalizers hold it) or a Status. */
  delete(res: ResourceRef, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject>;
  /** POST to a subresource that takes a body of its own kind: pods/binding, pods/eviction, serviceaccounts/token. */
  createSubresource<T extends KubeObject = KubeObject>(
    res: ResourceRef,
    namespace: string | undefined,
    name: string,
    subresource: string,
    body: KubeObject,
  ): Promise<T>;
}

// ---- informers and work queues (implemented in src/client/informer*.ts and src/client/workqueue.ts) ----

export interface InformerHandlers<T extends KubeObject = KubeObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  /** obj is the last state known (the server's final state when the watch saw the delete). */
  delete?(obj: T): void;
}

/** A cache of one resource filled by one list and kept current by one watch (relisting on 410). */
export interface Informer<T extends KubeObject = KubeObject> {
  readonly resource: ResourceRef;
  /** Handlers only enqueue keys; they must not block or mutate objects. */
  addHandlers(h: InformerHandlers<T>): void;
  /** Adds an index: fn returns the index values of an object (e.g. its owner uids). Call before start. */
  addIndex(name: string, fn: (obj: T) => string[]): void;
  /** Starts list+watch; resolves once the first list is in the cache. Stops when the signal aborts. */
  start(signal: AbortSignal): Promise<void>;
  hasSynced(): boolean;
  /** Objects from the cache are shared: copy (structuredClone) before changing them. */
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): T[];
  byIndex(name: string, value: string): T[];
}

/** Shared informers: one per resource, whoever asks. */
export interface InformerFactory {
  informer<T extends KubeObject = KubeObject>(res: ResourceRef): Informer<T>;
  /** Starts every informer asked for so far and resolves when all have synced. */
  start(signal: AbortSignal): Promise<void>;
}

/**
 * A queue of keys ("namespace/name" or "name") with de-duplication (a key queued twice is processed once; a key
 * re-added while processing is processed again after done()) and per-key exponential backoff.
 */
export interface WorkQueue {
  add(key: string): void;
  addAfter(key: string, delayMs: number): void;
  /** Re-queue with this key's backoff (grows on every call until forget). */
  addRateLimited(key: string): void;
  forget(key: string): void;
  /** Waits for the next key; undefined once the queue shuts down. */
  get(): Promise<string | undefined>;
  done(key: string): void;
  shutDown(): void;
  readonly length: number;
}

/** "namespace/name" for namespaced objects, "name" otherwise (client-go's MetaNamespaceKeyFunc). */
export function keyOf(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name ?? ''}` : (obj.metadata?.name ?? '');
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
