// Prepared statements over the log table: the only place that knows its SQL. All calls are synchronous
// (better-sqlite3); callers group them into transactions.
import type Database from 'better-sqlite3';
import { compareKeys, prefixEnd } from '../keys.js';
import { META_COMPACT_REVISION } from './schema.js';

/** The newest row of one key (at some revision). */
export interface KeyRow {
  id: number;
  name: string;
  deleted: number;
  createRevision: number;
  value: string | null;
}

/** A row joined with the value of the row it replaced, for watch events. */
export interface EventRow extends KeyRow {
  created: number;
  prevRevision: number;
  prevValue: string | null;
}

export interface NewRow {
  id: number;
  name: string;
  created: 0 | 1;
  deleted: 0 | 1;
  createRevision: number;
  prevRevision: number;
  value: string | null;
}

/** Bytes above every valid UTF-8 string (0xFF never occurs in UTF-8): the range end of the empty prefix. */
const TOP = Buffer.from([0xff]);

/** The exclusive upper bound of keys under prefix, bound as a BLOB and compared as TEXT (memcmp) by the SQL. */
export function rangeEnd(prefix: string): Buffer {
  return prefix === '' ? TOP : prefixEnd(prefix);
}

const KEY_COLUMNS = 'id, name, deleted, create_revision AS createRevision, value';

// The newest row of each key at or below @rev, if it is not a tombstone, in key order. Scans the (name, id) index
// in key order and stops at the limit, so a page costs O(page), not O(all keys).
const RANGE = (lower: '>=' | '>') => `
  SELECT ${KEY_COLUMNS} FROM log AS k
  WHERE k.name ${lower} @lower AND k.name < CAST(@end AS TEXT) AND k.id <= @rev AND k.deleted = 0
    AND k.id = (SELECT MAX(j.id) FROM log AS j WHERE j.name = k.name AND j.id <= @rev)
  ORDER BY k.name
  LIMIT @limit`;

export class LogTable {
  private readonly latestStmt: Database.Statement<[string], KeyRow>;
  private readonly atStmt: Database.Statement<[string, number], KeyRow>;
  private readonly insertStmt: Database.Statement<[NewRow]>;
  private readonly rangeFromStmt: Database.Statement<[RangeParams], KeyRow>;
  private readonly rangeAfterStmt: Database.Statement<[RangeParams], KeyRow>;
  private readonly eventsStmt: Database.Statement<[EventParams], EventRow>;
  private readonly maxIdStmt: Database.Statement<[], number | null>;
  private readonly metaGet: Database.Statement<[string], number>;
  private readonly metaSet: Database.Statement<[number, string]>;
  private readonly dropReplaced: Database.Statement<[number, number]>;
  private readonly dropTombstones: Database.Statement<[number, number]>;

  constructor(private readonly db: Database.Database) {
    this.latestStmt = db.prepare(`SELECT ${KEY_COLUMNS} FROM log WHERE name = ? ORDER BY id DESC LIMIT 1`);
    this.atStmt = db.prepare(`SELECT ${KEY_COLUMNS} FROM log WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1`);
    this.insertStmt = db.prepare(
      `INSERT INTO log (id, name, created, deleted, create_revision, prev_revision, value)
       VALUES (@id, @name, @created, @deleted, @createRevision, @prevRevision, @value)`,
    );
    this.rangeFromStmt = db.prepare(RANGE('>='));
    this.rangeAfterStmt = db.prepare(RANGE('>'));
    // Driven by the revision range (NOT INDEXED keeps the planner off the name index): a watch usually catches up
    // over a few recent revisions, while its prefix may cover most of the keys.
    this.eventsStmt = db.prepare(`
      SELECT k.id, k.name, k.created, k.deleted, k.create_revision AS createRevision,
             k.prev_revision AS prevRevision, k.value, p.value AS prevValue
      FROM log AS k NOT INDEXED LEFT JOIN log AS p ON p.id = k.prev_revision
      WHERE k.id > @after AND k.id <= @upTo AND k.name >= @prefix AND k.name < CAST(@end AS TEXT)
      ORDER BY k.id`);
    this.maxIdStmt = db.prepare('SELECT MAX(id) FROM log').pluck() as Database.Statement<[], number | null>;
    this.metaGet = db.prepare('SELECT value FROM meta WHERE key = ?').pluck() as Database.Statement<[string], number>;
    this.metaSet = db.prepare('UPDATE meta SET value = ? WHERE key = ?');
    // Every row replaced by a row in (lo, hi] is history below hi; so is every tombstone in (lo, hi].
    this.dropReplaced = db.prepare(
      'DELETE FROM log WHERE id IN (SELECT prev_revision FROM log WHERE id > ? AND id <= ? AND prev_revision > 0)',
    );
    this.dropTombstones = db.prepare('DELETE FROM log WHERE id > ? AND id <= ? AND deleted = 1');
  }

  latest(name: string): KeyRow | undefined {
    return this.latestStmt.get(name);
  }

  at(name: string, revision: number): KeyRow | undefined {
    return this.atStmt.get(name, revision);
  }

  insert(row: NewRow): void {
    this.insertStmt.run(row);
  }

  /** Live keys under prefix at revision, after `after` (exclusive) when given; at most limit rows (-1: all). */
  range(prefix: string, after: string | undefined, revision: number, limit: number): KeyRow[] {
    const end = rangeEnd(prefix);
    // continueAfter may lie before the prefix (then the prefix bound is the tighter one)
    if (after !== undefined && compareKeys(after, prefix) >= 0) {
      return this.rangeAfterStmt.all({ lower: after, end, rev: revision, limit });
    }
    return this.rangeFromStmt.all({ lower: prefix, end, rev: revision, limit });
  }

  /** Every write to keys under prefix with revision in (after, upTo], in revision order. */
  events(prefix: string, after: number, upTo: number): EventRow[] {
    return this.eventsStmt.all({ prefix, end: rangeEnd(prefix), after, upTo });
  }

  compactRevision(): number {
    return this.metaGet.get(META_COMPACT_REVISION) ?? 0;
  }

  /** The newest revision: rows above the compacted revision are never deleted, so it is one of the two. */
  headRevision(): number {
    return Math.max(this.maxIdStmt.get() ?? 0, this.compactRevision());
  }

  /** Forget history in (lo, hi]: call inside a transaction. Returns the number of rows deleted. */
  compactRange(lo: number, hi: number): number {
    const replaced = this.dropReplaced.run(lo, hi).changes;
    const tombstones = this.dropTombstones.run(lo, hi).changes;
    this.metaSet.run(hi, META_COMPACT_REVISION);
    return replaced + tombstones;
  }

  /** Give free pages back to the file system when they are a large share of the file (not on every compaction:
   * under steady churn freed pages are reused by the next writes anyway). */
  shrink(minFreeFraction: number): void {
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    const total = this.db.pragma('page_count', { simple: true }) as number;
    if (free > 0 && free >= total * minFreeFraction) this.db.pragma('incremental_vacuum');
    // copy the WAL into the database and cut the WAL file to zero
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }
}

interface RangeParams {
  lower: string;
  end: Buffer;
  rev: number;
  limit: number;
}

interface EventParams {
  prefix: string;
  end: Buffer;
  after: number;
  upTo: number;
}
