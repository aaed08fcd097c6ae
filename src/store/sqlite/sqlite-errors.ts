// SQLite and file-system failures turned into StoreErrors whose one-line message says what to do next.
import { StoreError } from '../types.js';

/** The SQLite (SQLITE_...) or errno (E...) code of an error, if it has one. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function corrupt(file: string, why: string): StoreError {
  return new StoreError(
    'Corrupt',
    `database ${file} is corrupt (${why}): restore it from a backup or move it aside to start empty`,
  );
}

export function permissionDenied(file: string, why: string): StoreError {
  return new StoreError(
    'PermissionDenied',
    `cannot open database ${file} for reading and writing (${why}): ` +
      'give this user write access to it and to its directory, or choose another data directory',
  );
}

export function inUse(file: string): StoreError {
  return new StoreError(
    'Unavailable',
    `database ${file} is locked by another process (is another tug running on this data directory?): stop it first`,
  );
}

/** Map a failure of a database operation on file to a StoreError (StoreErrors pass through). */
export function toStoreError(err: unknown, file: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = errorCode(err);
  const why = reason(err);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return corrupt(file, why);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return inUse(file);
  if (
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_READONLY') ||
    code === 'SQLITE_PERM' ||
    code === 'SQLITE_AUTH' ||
    code === 'EACCES' ||
    code === 'EPERM' ||
    code === 'EROFS'
  ) {
    return permissionDenied(file, why);
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new StoreError('Unavailable', `disk full writing database ${file}: free some space and retry`);
  }
  return new StoreError('Unavailable', `database ${file} failed: ${why}${code ? ` (${code})` : ''}`);
}
