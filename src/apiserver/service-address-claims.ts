// Exclusive claims on service addresses (ClusterIPs, NodePorts) that hold across API servers sharing one store:
// a claim is a key created with the store's create-if-absent, /registry/tugboat/serviceips/<ip> or
// .../nodeports/<port>, naming the service. Within a process, allocations also run one at a time.
//
// Claims are not removed when a service goes: a claim counts as released once no stored service holds the
// address and the claim is older than IN_FLIGHT_MS (younger ones may belong to a create still under way on
// this or another server). Taking over a released claim is a compare-and-swap on its revision, so two
// takers cannot both win. This covers every way a service lets go of an address (delete, type change, a
// create that failed after claiming) without hooks in each of them.
import type { Store } from '../store/types.js';
import { isStoreError } from '../store/types.js';

export const CLAIM_PREFIX = { ip: '/registry/tugboat/serviceips/', nodePort: '/registry/tugboat/nodeports/' } as const;
export type ClaimKind = keyof typeof CLAIM_PREFIX;
export const IN_FLIGHT_MS = 10_000;

export interface Holder {
  namespace: string;
  name: string;
}

interface ClaimRecord extends Holder {
  /** When the claim was made (ms since the epoch). */
  at: number;
}

const same = (a: Holder, b: Holder) => a.namespace === b.namespace && a.name === b.name;

const chains = new WeakMap<Store, Promise<unknown>>();

/** Runs fn after every earlier allocation on this store has finished. */
export function serialized<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  const prev = chains.get(store) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  chains.set(store, run.catch(() => undefined));
  return run;
}

/** Values claimed so far (released or not): what a random pick avoids first. */
export async function claimedValues(store: Store, kind: ClaimKind): Promise<Set<string>> {
  const prefix = CLAIM_PREFIX[kind];
  const { kvs } = await store.range(prefix);
  return new Set(kvs.map((kv) => kv.key.slice(prefix.length)));
}

/**
 * Claims value for me. storedHolder is the stored service that holds the value now, if any. False when someone
 * else holds it or may be about to; the claim is written only when not a dry run.
 */
export async function claim(store: Store, kind: ClaimKind, value: string, me: Holder, storedHolder: Holder | undefined, dryRun = false, now = Date.now()): Promise<boolean> {
  if (storedHolder && !same(storedHolder, me)) return false;
  const key = CLAIM_PREFIX[kind] + value;
  const record = JSON.stringify({ namespace: me.namespace, name: me.name, at: now } satisfies ClaimRecord);
  const kv = await store.get(key);
  if (!kv) {
    if (dryRun) return true;
    try {
      await store.create(key, record);
      return true;
    } catch (e) {
      if (isStoreError(e, 'AlreadyExists')) return false;
      throw e;
    }
  }
  const held = JSON.parse(kv.value) as ClaimRecord;
  const released = !storedHolder && now - held.at >= IN_FLIGHT_MS;
  if (!same(held, me) && !released) return false;
  if (dryRun) return true;
  try {
    await store.update(key, record, kv.modRevision);
    return true;
  } catch (e) {
    if (isStoreError(e, 'Conflict') || isStoreError(e, 'NotFound')) return false;
    throw e;
  }
}
