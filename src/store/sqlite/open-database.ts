// Opening the database file safely: refuse bad input with a StoreError that says what to do, and never write to a
// file we have not first checked. An existing file is verified through a read-only connection (header, quick_check,
// schema) before the read-write connection that may write to it is opened: a read-write connection checkpoints the
// WAL into the file when it closes, even after finding the file corrupt.
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../types.js';
import { META_COMPACT_REVISION, META_SCHEMA_VERSION, SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';
import { corrupt, errorCode, permissionDenied, toStoreError } from './sqlite-errors.js';

export type Synchronous = 'FULL' | 'NORMAL';

export interface DatabaseOptions {
  /** Absolute path of the database file. */
  file: string;
  /** How long to wait for a lock held by another process before giving up. */
  busyTimeoutMs: number;
  synchronous: Synchronous;
  /** The WAL file is cut back to this size after a checkpoint. */
  walSizeLimitBytes: number;
}

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Open (creating if needed) and configure the database; throws StoreError on bad input. */
export function openDatabase(opts: DatabaseOptions): Database.Database {
  const { file } = opts;
  prepareLocation(file);
  const existing = hasContent(file) || hasContent(`${file}-wal`);
  if (existing) verify(opts);
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: opts.busyTimeoutMs });
  } catch (err) {
    throw toStoreError(err, file);
  }
  try {
    configure(db, opts, !existing);
    return db;
  } catch (err) {
    db.close();
    throw toStoreError(err, file);
  }
}

function prepareLocation(file: string): void {
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw permissionDenied(file, `cannot create directory ${dir}: ${describeFsError(err)}`);
  }
  try {
    // write access to the directory: SQLite creates the -wal file next to the database
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw permissionDenied(file, `directory ${dir}: ${describeFsError(err)}`);
  }
  try {
    if (statSync(file).isDirectory()) throw permissionDenied(file, 'it is a directory, not a file');
    accessSync(file, constants.R_OK | constants.W_OK);
  } catch (err) {
    if (err instanceof StoreError) throw err;
    if (errorCode(err) !== 'ENOENT') throw permissionDenied(file, describeFsError(err));
  }
}

function describeFsError(err: unknown): string {
  switch (errorCode(err)) {
    case 'EEXIST':
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

function hasContent(path: string): boolean {
  try {
    return statSync(path).size > 0;
  } catch {
    return false;
  }
}

/** Check an existing file without any write: header, structure, and that it is a Tugboat store. */
function verify(opts: DatabaseOptions): void {
  const { file } = opts;
  if (hasContent(file)) checkHeader(file);
  // A read-only connection to a WAL database creates -wal and -shm files if missing: remove those it made.
  const made = [`${file}-wal`, `${file}-shm`].filter((p) => !existsSync(p));
  let db: Database.Database | undefined;
  try {
    // Normal locking: a read-only connection cannot take the exclusive lock. It still waits for, and then
    // reports, a lock held by another process.
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: opts.busyTimeoutMs });
    // quick_check reads every page but skips the costly index-content cross-checks (tens of ms for 20 MB)
    const rows = db.pragma('quick_check(1)') as { quick_check?: string }[];
    const verdict = rows[0]?.quick_check;
    if (verdict !== 'ok') throw corrupt(file, `quick_check: ${oneLine(verdict ?? 'no result')}`);
    checkSchema(db, file);
  } catch (err) {
    throw toStoreError(err, file);
  } finally {
    db?.close();
    for (const p of made) removeEmptySidecar(p);
  }
}

/** quick_check answers over several lines, starting with a banner. */
function oneLine(text: string): string {
  const flat = text.replace(/\*\*\* in database \w+ \*\*\*/g, '').replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}

function removeEmptySidecar(path: string): void {
  try {
    if (path.endsWith('-shm') || statSync(path).size === 0) unlinkSync(path);
  } catch {
    // not there: nothing to clean
  }
}

function checkHeader(file: string): void {
  const header = Buffer.alloc(100);
  let n = 0;
  const fd = openSync(file, 'r');
  try {
    n = readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw corrupt(file, 'file is not a database');
  if (n < header.length) throw corrupt(file, `truncated to ${n} bytes`);
}

function checkSchema(db: Database.Database, file: string): void {
  const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).pluck().all() as string[];
  if (tables.length === 0) return; // an empty database: we will initialise it
  if (!tables.includes('meta') || !tables.includes('log')) {
    throw new StoreError(
      'Corrupt',
      `database ${file} is not a Tugboat store (it holds other tables: ${tables.slice(0, 5).join(', ')}): ` +
        'choose another data directory',
    );
  }
  const version = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(META_SCHEMA_VERSION);
  if (typeof version !== 'number' || version > SCHEMA_VERSION) {
    throw new StoreError(
      'Corrupt',
      `database ${file} has schema version ${String(version)}, this tug supports up to ${SCHEMA_VERSION}: ` +
        'run a newer tug, or restore a backup made by this version',
    );
  }
}

function configure(db: Database.Database, opts: DatabaseOptions, isNew: boolean): void {
  // One process owns the store: watches are fed from this process's writes, so a second writer would go unseen.
  // Exclusive mode also lets the WAL index live in process memory (no -shm file).
  db.pragma('locking_mode = EXCLUSIVE');
  // Only takes effect before the first table exists; lets compaction hand freed pages back to the file system.
  if (isNew) db.pragma('auto_vacuum = INCREMENTAL');
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new StoreError('Unavailable', `database ${opts.file} cannot use WAL mode (got ${String(mode)})`);
  // FULL: every commit fsyncs the WAL before we acknowledge, so acknowledged writes survive a process kill *and*
  // an OS crash or power loss. NORMAL would already survive a SIGKILL (the WAL is in the page cache), but could lose
  // the last commits on power loss. Group commit makes FULL cheap: one fsync per batch, not per write.
  db.pragma(`synchronous = ${opts.synchronous}`);
  db.pragma(`journal_size_limit = ${opts.walSizeLimitBytes}`);
  const init = db.transaction(() => {
    db.exec(SCHEMA_SQL);
    const put = db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
    put.run(META_SCHEMA_VERSION, SCHEMA_VERSION);
    put.run(META_COMPACT_REVISION, 0);
  });
  // An exclusive transaction takes the write lock now, and exclusive locking mode keeps it until close.
  init.exclusive();
}
