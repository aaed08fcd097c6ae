// The memory backend: the store contract held in process memory, for unit tests of other components.
// It keeps the full event log (until compacted) so reads at past revisions and watches from the past work as on
// the durable backends.
import { checkExpected, checkReadable, storeErrors } from '../errors.js';
import { compareKeys } from '../keys.js';
import {
  type KeyValue,
  type RangeOptions,
  type RangeResult,
  type Store,
  type Watch,
  type WatchEvent,
  type WatchOptions,
} from '../types.js';
import { WatchHub } from '../watch-hub.js';

export class MemoryStore implements Store {
  readonly backend = 'memory';
  private revision = 0;
  private compacted = 0;
  private readonly live = new Map<string, KeyValue>();
  private log: WatchEvent[] = [];
  private readonly hub = new WatchHub();
  private closed = false;

  async get(key: string, opts: { revision?: number } = {}): Promise<KeyValue | undefined> {
    this.check();
    if (opts.revision === undefined) return this.live.get(key);
    return this.snapshot(opts.revision, (k) => k === key)[0];
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    this.check();
    const revision = opts.revision ?? this.revision;
    const all =
      opts.revision === undefined
        ? [...this.live.values()].filter((kv) => kv.key.startsWith(prefix)).sort((a, b) => compareKeys(a.key, b.key))
        : this.snapshot(revision, (k) => k.startsWith(prefix));
    const after = opts.continueAfter;
    const rest = after === undefined ? all : all.filter((kv) => compareKeys(kv.key, after) > 0);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : rest.length;
    return { kvs: rest.slice(0, limit), revision, more: rest.length > limit };
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.check();
    if (this.live.has(key)) throw storeErrors.alreadyExists(key);
    const rev = ++this.revision;
    const kv: KeyValue = { key, value, createRevision: rev, modRevision: rev };
    this.commit({ type: 'create', key, revision: rev, kv });
    return kv;
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    this.check();
    const prev = this.live.get(key);
    checkExpected(key, prev, expectedModRevision);
    const rev = ++this.revision;
    const kv: KeyValue = { key, value, createRevision: prev.createRevision, modRevision: rev };
    this.commit({ type: 'update', key, revision: rev, kv, prev });
    return kv;
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue & { deleteRevision: number }> {
    this.check();
    const prev = this.live.get(key);
    checkExpected(key, prev, expectedModRevision);
    const rev = ++this.revision;
    this.commit({ type: 'delete', key, revision: rev, prev });
    return { ...prev, deleteRevision: rev };
  }

  watch(prefix: string, opts: WatchOptions = {}): Watch {
    return this.hub.subscribe(
      prefix,
      opts.afterRevision,
      async () => this.revision,
      async (p, after, upTo) => {
        if (after < this.compacted) throw storeErrors.compacted(after, this.compacted);
        return this.log.filter((ev) => ev.revision > after && ev.revision <= upTo && ev.key.startsWith(p));
      },
      opts.signal,
    );
  }

  async currentRevision(): Promise<number> {
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async compact(revision: number): Promise<void> {
    this.check();
    if (revision > this.revision) throw storeErrors.futureRevision(revision);
    if (revision <= this.compacted) return;
    this.compacted = revision;
    this.log = this.log.filter((ev) => ev.revision > revision);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.hub.closeAll();
  }

  private commit(ev: WatchEvent): void {
    if (ev.kv) this.live.set(ev.key, ev.kv);
    else this.live.delete(ev.key);
    this.log.push(ev);
    this.hub.publish([ev]);
  }

  /** The live keys matching pred as of revision, rebuilt from the log. */
  private snapshot(revision: number, pred: (key: string) => boolean): KeyValue[] {
    checkReadable(revision, this.revision, this.compacted);
    // Start from the current state and undo every event newer than revision.
    const state = new Map<string, KeyValue>();
    for (const [k, kv] of this.live) if (pred(k)) state.set(k, kv);
    for (let i = this.log.length - 1; i >= 0; i--) {
      const ev = this.log[i]!;
      if (ev.revision <= revision) break;
      if (!pred(ev.key)) continue;
      if (ev.prev) state.set(ev.key, ev.prev);
      else state.delete(ev.key);
    }
    return [...state.values()].sort((a, b) => compareKeys(a.key, b.key));
  }

  private check(): void {
    if (this.closed) throw storeErrors.closed();
  }
}
