// The SQLite backend: etcd's contract over one append-only log table, in the manner of kine.
// Writes go through group commit (one transaction and one fsync per event-loop turn), watches are fed from those
// commits by the in-process WatchHub, and old history is compacted in the background.
//
// SqliteStore.open() is synchronous: better-sqlite3 is, and a bad file should fail at startup, before anything
// else runs. It throws StoreError Corrupt, PermissionDenied or Unavailable (file locked by another process).
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { silentLogger, type Logger } from '../../util/logger.js';
import { checkReadable, storeErrors } from '../errors.js';
import { WatchHub } from '../watch-hub.js';
import {
  StoreError,
  type KeyValue,
  type RangeOptions,
  type RangeResult,
  type Store,
  type Watch,
  type WatchEvent,
  type WatchOptions,
} from '../types.js';
import { applyWrite, toKeyValue, type WriteOp } from './apply-write.js';
import { Compactor } from './compactor.js';
import { GroupCommit, type CommitBatch } from './group-commit.js';
import { LogTable, type EventRow } from './log-table.js';
import { openDatabase, type Synchronous } from './open-database.js';
import { corrupt, toStoreError } from './sqlite-errors.js';

export interface SqliteStoreOptions {
  /** The database file; its directory is created if missing. */
  file: string;
  /** Revisions kept readable behind the newest one by background compaction. Default 1000. */
  compactWindow?: number;
  /** Background compaction period; 0 turns background compaction off (timer and write-triggered). Default 5000. */
  compactIntervalMs?: number;
  /** Revisions forgotten per compaction transaction. Default 1000. */
  compactBatch?: number;
  /** FULL (default) survives power loss; NORMAL only survives a process crash. See open-database.ts. */
  synchronous?: Synchronous;
  /** Wait this long for a lock held by another process before failing. Default 1000. */
  busyTimeoutMs?: number;
  /** Events a watcher may lag behind before it is cut off with TooSlow. */
  maxWatchQueue?: number;
  logger?: Logger;
}

export class SqliteStore implements Store {
  readonly backend = 'sqlite';
  private revision: number;
  private compacted: number;
  private closed = false;
  private readonly log: LogTable;
  private readonly hub: WatchHub;
  private readonly writes: GroupCommit<WriteOp, WatchEvent>;
  private readonly compactor: Compactor;
  private readonly commitTx: Database.Transaction<(ops: readonly WriteOp[]) => TxResult>;

  static open(opts: SqliteStoreOptions): SqliteStore {
    const file = resolve(opts.file);
    const db = openDatabase({
      file,
      busyTimeoutMs: opts.busyTimeoutMs ?? 1000,
      synchronous: opts.synchronous ?? 'FULL',
      walSizeLimitBytes: 4 * 1024 * 1024,
    });
    try {
      return new SqliteStore(db, file, opts);
    } catch (err) {
      db.close();
      throw toStoreError(err, file);
    }
  }

  private constructor(
    private readonly db: Database.Database,
    /** The absolute path of the database file. */
    readonly file: string,
    opts: SqliteStoreOptions,
  ) {
    this.log = new LogTable(db);
    this.revision = this.log.headRevision();
    this.compacted = this.log.compactRevision();
    this.hub = new WatchHub({ maxQueue: opts.maxWatchQueue });
    this.commitTx = db.transaction((ops: readonly WriteOp[]) => this.applyAll(ops));
    this.writes = new GroupCommit(this.commitBatch);
    const compactTx = db.transaction((lo: number, hi: number) => this.log.compactRange(lo, hi));
    this.compactor = new Compactor(
      {
        headRevision: () => this.revision,
        compactedRevision: () => this.compacted,
        compactRange: (lo, hi) => {
          this.guard(() => compactTx(lo, hi));
          this.compacted = hi;
        },
        shrink: () => this.guard(() => this.log.shrink(0.25)),
      },
      {
        window: opts.compactWindow ?? 1000,
        intervalMs: opts.compactIntervalMs ?? 5000,
        batch: opts.compactBatch ?? 1000,
        logger: (opts.logger ?? silentLogger).child('sqlite'),
      },
    );
    this.compactor.start();
  }

  async get(key: string, opts: { revision?: number } = {}): Promise<KeyValue | undefined> {
    this.check();
    const rev = opts.revision;
    if (rev !== undefined) this.checkReadable(rev);
    const row = this.guard(() => (rev === undefined ? this.log.latest(key) : this.log.at(key, rev)));
    return row && !row.deleted ? toKeyValue(key, row) : undefined;
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    this.check();
    const revision = opts.revision ?? this.revision;
    this.checkReadable(revision);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    // one row more than asked tells whether there are more
    const rows = this.guard(() => this.log.range(prefix, opts.continueAfter, revision, limit > 0 ? limit + 1 : -1));
    const more = limit > 0 && rows.length > limit;
    const kvs = (more ? rows.slice(0, limit) : rows).map((r) => toKeyValue(r.name, r));
    return { kvs, revision, more };
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const ev = await this.write({ kind: 'create', key, value });
    return ev.kv!;
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    const ev = await this.write({ kind: 'update', key, value, expectedModRevision });
    return ev.kv!;
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue & { deleteRevision: number }> {
    const ev = await this.write({ kind: 'delete', key, expectedModRevision });
    return { ...ev.prev!, deleteRevision: ev.revision };
  }

  watch(prefix: string, opts: WatchOptions = {}): Watch {
    return this.hub.subscribe(
      prefix,
      opts.afterRevision,
      async () => this.revision,
      async (p, after, upTo) => {
        this.check();
        if (after < this.compacted) throw storeErrors.compacted(after, this.compacted);
        return this.guard(() => this.log.events(p, after, upTo)).map((row) => this.toEvent(row));
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
    await this.compactor.compact(revision);
    this.check(); // closed while compacting
  }

  /** Commits writes already queued, ends every watch and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.compactor.stop();
    this.writes.drain();
    this.hub.closeAll();
    this.db.close();
  }

  private write(op: WriteOp): Promise<WatchEvent> {
    this.check();
    return this.writes.submit(op);
  }

  /** Runs in the group-commit transaction: each op is checked against the state left by the ones before it. */
  private applyAll(ops: readonly WriteOp[]): TxResult {
    let rev = this.revision;
    const outcomes: TxResult['outcomes'] = [];
    const events: WatchEvent[] = [];
    for (const op of ops) {
      try {
        const ev = applyWrite(this.log, op, rev + 1);
        rev++;
        events.push(ev);
        outcomes.push({ ok: ev });
      } catch (err) {
        if (!(err instanceof StoreError)) throw err; // the database failed: roll the whole batch back
        outcomes.push({ err });
      }
    }
    return { outcomes, events, revision: rev };
  }

  private readonly commitBatch: CommitBatch<WriteOp, WatchEvent> = (ops) => {
    let result: TxResult;
    try {
      result = this.commitTx(ops);
    } catch (err) {
      // nothing was committed; re-read the head in case the failure left us unsure
      try {
        this.revision = this.log.headRevision();
      } catch {
        // keep the old value: it is still the last revision we know committed
      }
      throw toStoreError(err, this.file);
    }
    this.revision = result.revision;
    // watchers hear of the writes before the writers are answered
    this.hub.publish(result.events);
    this.compactor.afterWrites();
    return result.outcomes;
  };

  private toEvent(row: EventRow): WatchEvent {
    const key = row.name;
    const revision = row.id;
    if (row.created) return { type: 'create', key, revision, kv: toKeyValue(key, row) };
    if (row.prevValue === null) throw corrupt(this.file, `revision ${row.prevRevision} of ${key} is missing`);
    const prev: KeyValue = {
      key,
      value: row.prevValue,
      createRevision: row.createRevision,
      modRevision: row.prevRevision,
    };
    if (row.deleted) return { type: 'delete', key, revision, prev };
    return { type: 'update', key, revision, kv: toKeyValue(key, row), prev };
  }

  private checkReadable(revision: number): void {
    checkReadable(revision, this.revision, this.compacted);
  }

  /** Runs a database call, turning its failures into StoreErrors. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toStoreError(err, this.file);
    }
  }

  private check(): void {
    if (this.closed) throw storeErrors.closed();
  }
}

interface TxResult {
  outcomes: Array<{ ok: WatchEvent } | { err: StoreError }>;
  events: WatchEvent[];
  revision: number;
}
