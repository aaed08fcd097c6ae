// Expectations: after asking for N creates (or these deletes) a controller waits until its cache has seen them,
// so a reconcile against a cache that lags its own writes never acts twice. Entries expire after a TTL
// (5 minutes, as Kubernetes) in case a watch event is lost, after which the controller trusts its cache again.
import type { Clock } from '../../util/clock.js';

export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Entry {
  adds: number;
  /** Keys (namespace/name) of objects whose deletion we wait to see. */
  deletes: Set<string>;
  at: number;
}

export class Expectations {
  private entries = new Map<string, Entry>();
  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = EXPECTATIONS_TTL_MS,
  ) {}

  /** True when nothing is outstanding for the controller key (or what was outstanding has expired). */
  satisfied(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.deletes.size === 0) return true;
    return this.clock.now().getTime() - e.at > this.ttlMs;
  }

  /** Replaces any earlier expectation (call only when satisfied). */
  expect(key: string, adds: number, deleteKeys: readonly string[] = []): void {
    this.entries.set(key, { adds, deletes: new Set(deleteKeys), at: this.clock.now().getTime() });
  }

  creationObserved(key: string): void {
    const e = this.entries.get(key);
    if (e && e.adds > 0) e.adds--;
  }

  /** Counts only deletes we asked for, once each (a graceful delete is seen as an update and then a delete). */
  deletionObserved(key: string, objKey: string): void {
    this.entries.get(key)?.deletes.delete(objKey);
  }

  /** Creates that failed or were skipped will never be observed. */
  lowerAdds(key: string, n: number): void {
    const e = this.entries.get(key);
    if (e) e.adds = Math.max(0, e.adds - n);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** For tests and debugging. */
  pending(key: string): { adds: number; deletes: number } | undefined {
    const e = this.entries.get(key);
    return e ? { adds: e.adds, deletes: e.deletes.size } : undefined;
  }
}
