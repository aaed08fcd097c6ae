// Turns etcd3-library and gRPC errors into StoreErrors. The library keeps the server's message text but drops the
// gRPC status code (it re-types the error by class), so we match on class and on etcd's stable message strings.
import {
  ClientClosedError,
  EtcdPermissionDeniedError,
  GRPCInvalidArgumentError,
  GRPCUnauthenticatedError,
  isRecoverableError,
} from 'etcd3';
import { StoreError } from '../types.js';

const COMPACTED = 'required revision has been compacted';
const FUTURE = 'required revision is a future revision';

export function isCompactedMessage(msg: string): boolean {
  return msg.includes(COMPACTED);
}

/**
 * Map an error from an etcd call to a StoreError. `what` names the operation for the message. Errors that are the
 * caller's fault (InvalidArgument, e.g. "etcdserver: request is too large") are returned as they are: no store
 * code fits them and retrying will not help.
 */
export function toStoreError(err: unknown, what: string): Error {
  if (err instanceof StoreError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (msg.includes(COMPACTED)) return new StoreError('Compacted', `${what}: ${COMPACTED}`);
  if (msg.includes(FUTURE)) return new StoreError('FutureRevision', `${what}: ${FUTURE}`);
  if (err instanceof EtcdPermissionDeniedError || err instanceof GRPCUnauthenticatedError) {
    return new StoreError('PermissionDenied', `${what}: ${msg}`);
  }
  if (msg.includes('request is too large')) return new StoreError('TooLarge', `${what}: value is larger than etcd accepts (about 1.5 MiB)`);
  if (err instanceof GRPCInvalidArgumentError) return err;
  if (err instanceof ClientClosedError) return new StoreError('Unavailable', `${what}: store is closed`);
  return new StoreError('Unavailable', `${what}: ${msg}`);
}

/** True for failures where retrying the same idempotent call (on another endpoint) may succeed. */
export function isTransient(err: unknown): boolean {
  return err instanceof Error && !(err instanceof StoreError) && isRecoverableError(err);
}

/**
 * True when the call never left this process (no connection to the endpoint), so even a write may be retried
 * without risking a double apply. gRPC reports these as UNAVAILABLE with this wording.
 */
export function neverSent(err: unknown): boolean {
  if (!isTransient(err)) return false;
  const msg = (err as Error).message;
  return msg.includes('No connection established') || msg.includes('ECONNREFUSED');
}
