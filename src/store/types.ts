// The versioned key-value store contract, modelled on etcd v3 (and on kine, which gives etcd's contract over SQL).
// One global revision counter, strictly increasing; every write gets the next revision. Keys are strings such as
// `/registry/pods/default/web-0`; values are the object JSON as a string.

/** One key at one point in time. */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision at which this key was created (reset by delete and re-create). */
  createRevision: number;
  /** Revision of the last write to this key: the compare-and-swap token (Kubernetes' resourceVersion). */
  modRevision: number;
}

export interface RangeOptions {
  /** At most this many items; more=true tells that there are more. 0 or absent means no limit. */
  limit?: number;
  /** Continue after this key (exclusive): the last key of the previous page. */
  continueAfter?: string;
  /** Read the store as it was at this revision. Absent: the current revision. */
  revision?: number;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** The revision the read was served at: pass it to the next page to keep pagination consistent. */
  revision: number;
  more: boolean;
}

export type WatchEventType = 'create' | 'update' | 'delete';

export interface WatchEvent {
  type: WatchEventType;
  key: string;
  /** The revision at which this event happened. */
  revision: number;
  /** The key's value after the event; absent for delete. */
  kv?: KeyValue;
  /** The key's value before the event; absent for create. */
  prev?: KeyValue;
}

/**
 * A watch: an ordered stream of events for one key prefix, each revision once, with no gaps. Iterate it with
 * `for await`; iteration ends when the watch is closed and throws a StoreError: `Compacted` when the requested
 * start is gone, `TooSlow` when the consumer fell too far behind, `Unavailable` when the backend went away.
 */
export interface Watch extends AsyncIterable<WatchEvent> {
  close(): void;
}

export interface WatchOptions {
  /** Deliver every event with a revision strictly greater than this one. Absent: only future events. */
  afterRevision?: number;
  signal?: AbortSignal;
}

export interface Store {
  /** The backend name: sqlite, etcd or memory. */
  readonly backend: string;
  get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined>;
  /** Keys starting with prefix, in byte order of their UTF-8 encoding. */
  range(prefix: string, opts?: RangeOptions): Promise<RangeResult>;
  /** Create a key; fails with AlreadyExists if it is present. */
  create(key: string, value: string): Promise<KeyValue>;
  /** Replace a key's value if its modRevision is still expectedModRevision; else Conflict (or NotFound). */
  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue>;
  /** Delete a key (if its modRevision is expectedModRevision, when given). Returns the deleted value. */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue & { deleteRevision: number }>;
  watch(prefix: string, opts?: WatchOptions): Watch;
  currentRevision(): Promise<number>;
  /** The oldest revision still readable: reads and watches below it fail as Compacted. */
  compactedRevision(): Promise<number>;
  /** Forget history at and below revision (the latest value of every live key is kept). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

export type StoreErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Compacted'
  | 'FutureRevision'
  | 'TooSlow'
  | 'TooLarge'
  | 'Unavailable'
  | 'Corrupt'
  | 'PermissionDenied';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** For Conflict: the key as it is now (absent when it was deleted). */
    readonly current?: KeyValue,
  ) {
    super(message);
  }
}

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}
