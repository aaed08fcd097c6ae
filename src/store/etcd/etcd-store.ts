// The etcd backend: the store contract mapped one-to-one onto etcd v3, the way Kubernetes lays out its data.
// Revisions are etcd's own global revision; creates and compare-and-swaps are single etcd transactions, so any
// number of Tugboat processes can share one etcd cluster and see each other's writes and watch events.
import { Etcd3, type IKeyValue, type IRangeRequest, type KVClient } from 'etcd3';
import { storeErrors } from '../errors.js';
import { prefixEnd } from '../keys.js';
import {
  StoreError,
  type KeyValue,
  type RangeOptions,
  type RangeResult,
  type Store,
  type Watch,
  type WatchOptions,
} from '../types.js';
import { isTransient, neverSent, toStoreError } from './errors.js';
import { EtcdWatch, type WatchStream } from './etcd-watch.js';
import { passThrough, skipUnreachable } from './policies.js';

export interface EtcdStoreOptions {
  /** Client URLs, e.g. http://127.0.0.1:2379 (https:// for TLS). */
  endpoints: string[];
  /** Prepended to every key (default none: keys are /registry/... as Kubernetes writes them). */
  prefix?: string;
  /** How long open() may take to reach etcd before failing with Unavailable (default 5 s). */
  dialTimeoutMs?: number;
  /** Deadline of each unary call (default 15 s), so a hung etcd surfaces as Unavailable. */
  requestTimeoutMs?: number;
  /** TLS material for https:// endpoints (PEM): the CA that signed etcd's cert, and a client cert and key. */
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  /** How long a watch keeps trying to resume a broken stream before failing with Unavailable (default 30 s). */
  watchResumeMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function withScheme(endpoint: string): string {
  return /^https?:\/\//.test(endpoint) ? endpoint : `http://${endpoint}`;
}

export class EtcdStore implements Store {
  readonly backend = 'etcd';
  private readonly kv: KVClient;
  private readonly prefixBytes: Buffer;
  private readonly watches = new Set<EtcdWatch>();
  /** Every revision below this one is known to be compacted (compaction only moves forward). */
  private compactedAtLeast = 0;
  private closed = false;

  private constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    private readonly watchResumeMs: number,
  ) {
    this.kv = client.kv; // the raw KV RPCs: txn with compares, range with revision and limit, compact
    this.prefixBytes = Buffer.from(prefix, 'utf8');
  }

  static async open(opts: EtcdStoreOptions): Promise<EtcdStore> {
    if (opts.endpoints.length === 0) throw new StoreError('Unavailable', 'no etcd endpoints given: set --etcd-endpoints');
    const endpoints = opts.endpoints.map(withScheme);
    const dialTimeoutMs = opts.dialTimeoutMs ?? 5000;
    const requestTimeoutMs = opts.requestTimeoutMs ?? 15_000;
    const client = new Etcd3({
      hosts: endpoints,
      ...(opts.tls && {
        credentials: { rootCertificate: opts.tls.ca, privateKey: opts.tls.key, certChain: opts.tls.cert },
      }),
      // With several endpoints, a call skips one that just refused a connection and goes to the next.
      faultHandling: { host: () => (endpoints.length > 1 ? skipUnreachable(1000) : passThrough), global: passThrough },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
      grpcOptions: {
        // Lists of large objects easily pass gRPC's default 4 MiB receive limit; etcd itself caps requests.
        'grpc.max_receive_message_length': -1,
        // Notice a silently dead connection (host gone, network cut) on long-lived watch streams. etcd's server
        // refuses pings more often than every 5 s.
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
      },
    });
    const store = new EtcdStore(client, opts.prefix ?? '', opts.watchResumeMs ?? 30_000);
    // The library connects lazily (and ignores its own dialTimeout option): probe until one endpoint answers.
    const deadline = Date.now() + dialTimeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        await store.kv.range({ key: store.probe(), count_only: true }, { deadline });
        return store;
      } catch (err) {
        last = err;
        if (!isTransient(err)) break; // e.g. permission denied: waiting will not help
        await sleep(Math.min(100, Math.max(0, deadline - Date.now())));
      }
    }
    client.close();
    const cause = (last instanceof Error ? last.message : String(last)).replace(/\.? *Resolution note:.*$/, '');
    if (last && !isTransient(last)) throw toStoreError(last, `etcd at ${endpoints.join(', ')}`);
    throw new StoreError(
      'Unavailable',
      `cannot reach etcd at ${endpoints.join(', ')}: check --etcd-endpoints and that etcd is running (${cause})`,
    );
  }

  async get(key: string, opts: { revision?: number } = {}): Promise<KeyValue | undefined> {
    const res = await this.call(`get ${key}`, true, () =>
      this.kv.range({ key: this.enc(key), revision: opts.revision ?? 0 }),
    );
    const kv = res.kvs[0];
    return kv ? this.toKeyValue(kv) : undefined;
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    const { key, rangeEnd } = this.span(prefix);
    let start = key;
    if (opts.continueAfter !== undefined) {
      // the smallest key after continueAfter is continueAfter + NUL
      const after = Buffer.concat([this.enc(opts.continueAfter), Buffer.from([0])]);
      if (Buffer.compare(after, start) > 0) start = after;
    }
    const req: IRangeRequest = { key: start, range_end: rangeEnd, revision: opts.revision ?? 0 };
    if (opts.limit && opts.limit > 0) req.limit = opts.limit;
    const res = await this.call(`range ${prefix}`, true, () => this.kv.range(req));
    return {
      kvs: res.kvs.map((kv) => this.toKeyValue(kv)),
      revision: opts.revision ?? Number(res.header.revision),
      more: res.more,
    };
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const k = this.enc(key);
    const res = await this.call(`create ${key}`, false, () =>
      this.kv.txn({
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: k, value: Buffer.from(value, 'utf8') } }],
      }),
    );
    if (!res.succeeded) throw storeErrors.alreadyExists(key);
    const rev = Number(res.header.revision);
    return { key, value, createRevision: rev, modRevision: rev };
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    const k = this.enc(key);
    const res = await this.call(`update ${key}`, false, () =>
      this.kv.txn({
        compare: this.expect(k, expectedModRevision),
        success: [{ request_put: { key: k, value: Buffer.from(value, 'utf8'), prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) throw this.casFailure(key, expectedModRevision, res.responses[0]?.response_range?.kvs[0]);
    const prev = res.responses[0]?.response_put?.prev_kv;
    const rev = Number(res.header.revision);
    return { key, value, createRevision: prev ? Number(prev.create_revision) : rev, modRevision: rev };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue & { deleteRevision: number }> {
    const k = this.enc(key);
    const res = await this.call(`delete ${key}`, false, () =>
      this.kv.txn({
        compare: expectedModRevision === undefined ? [] : this.expect(k, expectedModRevision),
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) throw this.casFailure(key, expectedModRevision ?? 0, res.responses[0]?.response_range?.kvs[0]);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    if (!prev) throw storeErrors.notFound(key);
    return { ...this.toKeyValue(prev), deleteRevision: Number(res.header.revision) };
  }

  watch(prefix: string, opts: WatchOptions = {}): Watch {
    const { key, rangeEnd } = this.span(prefix);
    const w: EtcdWatch = new EtcdWatch(
      {
        open: async () => (await this.client.watchClient.watch()) as WatchStream,
        onClose: () => this.watches.delete(w),
        currentRevision: () => this.currentRevision(),
        toKeyValue: (kv) => this.toKeyValue(kv),
        resumeWindowMs: this.watchResumeMs,
      },
      prefix,
      key,
      rangeEnd,
      opts.afterRevision,
      opts.signal,
    );
    if (this.closed) w.fail(storeErrors.closed());
    if (!w.closed) this.watches.add(w);
    return w;
  }

  async currentRevision(): Promise<number> {
    const res = await this.call('current revision', true, () =>
      this.kv.range({ key: this.probe(), count_only: true }),
    );
    return Number(res.header.revision);
  }

  /**
   * etcd does not report its compaction point directly, but a read at a revision below it fails. So: binary
   * search for the oldest readable revision, starting from what we already know (a handful of tiny reads).
   */
  async compactedRevision(): Promise<number> {
    let hi = await this.currentRevision(); // always readable
    let lo = Math.max(1, this.compactedAtLeast);
    if (await this.readableAt(lo)) return lo === 1 ? this.compactedAtLeast : lo;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await this.readableAt(mid)) hi = mid;
      else lo = mid;
    }
    this.compactedAtLeast = Math.max(this.compactedAtLeast, hi);
    return hi;
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.call(`compact ${revision}`, false, () => this.kv.compact({ revision, physical: true }));
    } catch (err) {
      // compacting to a point already compacted is a no-op, as on the other backends
      if (!(err instanceof StoreError && err.code === 'Compacted')) throw err;
    }
    this.compactedAtLeast = Math.max(this.compactedAtLeast, revision);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.watches) w.close();
    this.client.close();
  }

  private async readableAt(revision: number): Promise<boolean> {
    try {
      await this.call('probe', true, () => this.kv.range({ key: this.probe(), revision, count_only: true }));
      return true;
    } catch (err) {
      if (err instanceof StoreError && err.code === 'Compacted') return false;
      throw err;
    }
  }

  /** Run an etcd call, mapping its errors. Reads retry transient failures; writes only if never sent. */
  private async call<T>(what: string, idempotent: boolean, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw storeErrors.closed();
      try {
        return await fn();
      } catch (err) {
        const again = attempt < 3 && (idempotent ? isTransient(err) : neverSent(err));
        if (!again) throw toStoreError(err, what);
        await sleep(50 * attempt);
      }
    }
  }

  /** Compare for a CAS: the key exists (a missing key has mod_revision 0) and is at the expected revision. */
  private expect(k: Buffer, modRevision: number) {
    return [
      { key: k, target: 'Create' as const, result: 'Greater' as const, create_revision: 0 },
      { key: k, target: 'Mod' as const, result: 'Equal' as const, mod_revision: modRevision },
    ];
  }

  private casFailure(key: string, expected: number, current: IKeyValue | undefined): StoreError {
    return current ? storeErrors.conflict(key, this.toKeyValue(current), expected) : storeErrors.notFound(key);
  }

  private enc(key: string): Buffer {
    return Buffer.from(this.prefix + key, 'utf8');
  }

  /** The etcd key range for a store prefix; etcd rejects an empty start key, so the whole space starts at NUL. */
  private span(prefix: string): { key: Buffer; rangeEnd: Buffer } {
    const full = this.prefix + prefix;
    return { key: full === '' ? Buffer.from([0]) : this.enc(prefix), rangeEnd: prefixEnd(full) };
  }

  /** A key no one writes: cheap reads that only want the response header. */
  private probe(): Buffer {
    return Buffer.concat([this.prefixBytes, Buffer.from('\0tugboat-probe', 'utf8')]);
  }

  private toKeyValue(kv: IKeyValue): KeyValue {
    return {
      key: kv.key.subarray(this.prefixBytes.length).toString('utf8'),
      value: kv.value.toString('utf8'),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }
}
