// Fault-handling policies for the etcd3 client. The library's defaults retry every call up to 3 times and open a
// 5 s circuit breaker per endpoint. Retrying a write whose reply was lost could report our own write back to us
// as AlreadyExists or Conflict, and the breaker keeps a lone endpoint refused for 5 s after etcd restarts; so we
// replace both. The store retries in its call() where that is safe.
import type { IOptions } from 'etcd3';
import { neverSent } from './errors.js';

export type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;
type Fn = (ctx: { signal: AbortSignal }) => unknown;

/** Run the call once, as it is. */
export const passThrough = {
  execute: async (fn: Fn) => fn({ signal: new AbortController().signal }),
} as unknown as Policy;

/**
 * For one of several endpoints: after a connection to it failed, skip it for a moment. The library then tries the
 * next endpoint within the same call (a policy that throws without calling through means "try another host").
 */
export function skipUnreachable(ms: number): Policy {
  let failedAt = -Infinity;
  let failure: unknown;
  return {
    execute: async (fn: Fn) => {
      if (Date.now() - failedAt < ms) throw failure;
      try {
        return await fn({ signal: new AbortController().signal });
      } catch (err) {
        if (neverSent(err)) {
          failedAt = Date.now();
          failure = err;
        }
        throw err;
      }
    },
  } as unknown as Policy;
}
