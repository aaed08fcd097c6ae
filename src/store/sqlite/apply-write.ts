// One write checked and appended to the log, inside the caller's transaction. The check reads the key's newest row;
// the insert points at that row (prev_revision), so the unique index rejects any write that lost a race.
import { checkExpected, storeErrors } from '../errors.js';
import { StoreError, type KeyValue, type WatchEvent } from '../types.js';
import type { KeyRow, LogTable, NewRow } from './log-table.js';

export type WriteOp =
  | { kind: 'create'; key: string; value: string }
  | { kind: 'update'; key: string; value: string; expectedModRevision: number }
  | { kind: 'delete'; key: string; expectedModRevision: number | undefined };

export function toKeyValue(key: string, row: Pick<KeyRow, 'id' | 'createRevision' | 'value'>): KeyValue {
  return { key, value: row.value ?? '', createRevision: row.createRevision, modRevision: row.id };
}

/** Append op at revision, or throw the StoreError that refuses it. Returns the event it produced. */
export function applyWrite(log: LogTable, op: WriteOp, revision: number): WatchEvent {
  const { key } = op;
  const latest = log.latest(key);
  const live = latest && !latest.deleted ? toKeyValue(key, latest) : undefined;
  if (op.kind === 'create') {
    if (live) throw storeErrors.alreadyExists(key);
    const kv: KeyValue = { key, value: op.value, createRevision: revision, modRevision: revision };
    insertChecked(log, op, {
      id: revision,
      name: key,
      created: 1,
      deleted: 0,
      createRevision: revision,
      prevRevision: latest?.id ?? 0,
      value: op.value,
    });
    return { type: 'create', key, revision, kv };
  }
  checkExpected(key, live, op.expectedModRevision);
  const value = op.kind === 'update' ? op.value : null;
  insertChecked(log, op, {
    id: revision,
    name: key,
    created: 0,
    deleted: op.kind === 'delete' ? 1 : 0,
    createRevision: live.createRevision,
    prevRevision: live.modRevision,
    value,
  });
  if (op.kind === 'delete') return { type: 'delete', key, revision, prev: live };
  const kv: KeyValue = { key, value: op.value, createRevision: live.createRevision, modRevision: revision };
  return { type: 'update', key, revision, kv, prev: live };
}

function insertChecked(log: LogTable, op: WriteOp, row: NewRow): void {
  try {
    log.insert(row);
  } catch (err) {
    // Only reachable if another writer slipped past the check above (the file is locked, so it should not):
    // the unique index still keeps compare-and-swap honest.
    if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
      const code = op.kind === 'create' ? 'AlreadyExists' : 'Conflict';
      throw new StoreError(code, `key ${op.key} was written concurrently`);
    }
    throw err;
  }
}
