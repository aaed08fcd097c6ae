// The refusals every backend words the same way, and the checks behind them that memory and sqlite share (etcd
// makes its checks in its own transactions).
import { StoreError, type KeyValue } from './types.js';

export const storeErrors = {
  alreadyExists: (key: string) => new StoreError('AlreadyExists', `key ${key} already exists`),
  notFound: (key: string) => new StoreError('NotFound', `key ${key} not found`),
  conflict: (key: string, current: KeyValue, expected: number) =>
    new StoreError('Conflict', `key ${key} is at revision ${current.modRevision}, not ${expected}`, current),
  compacted: (revision: number, oldest: number) => new StoreError('Compacted', `revision ${revision} has been compacted (oldest is ${oldest})`),
  futureRevision: (revision: number) => new StoreError('FutureRevision', `revision ${revision} is in the future`),
  closed: () => new StoreError('Unavailable', 'store is closed'),
};

/** The compare half of a compare-and-swap: the key must be live and, when a revision is expected, at that one. */
export function checkExpected(key: string, live: KeyValue | undefined, expectedModRevision: number | undefined): asserts live is KeyValue {
  if (!live) throw storeErrors.notFound(key);
  if (expectedModRevision !== undefined && live.modRevision !== expectedModRevision) throw storeErrors.conflict(key, live, expectedModRevision);
}

/** A read at a revision needs it to be neither in the future nor compacted away. */
export function checkReadable(revision: number, current: number, compacted: number): void {
  if (revision > current) throw storeErrors.futureRevision(revision);
  if (revision < compacted) throw storeErrors.compacted(revision, compacted);
}
