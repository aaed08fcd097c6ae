// Slices this controller wrote that its cache may not show yet. Acting on a cache that misses a slice just
// created would create it again (Kubernetes' endpointSliceTracker guards the same); a reconcile waits until the
// cache has caught up with every write, or until a write is old enough to be given up on.
import type { Clock } from '../../util/clock.js';
import type { EndpointSlice } from './types.js';

const GIVE_UP_MS = 10_000;

/** resourceVersion of what we wrote, or null for a delete. */
type Expect = { rv: string | null; at: number };

export class WrittenSlices {
  private readonly byService = new Map<string, Map<string, Expect>>();

  constructor(private readonly clock: Clock) {}

  wrote(serviceKey: string, s: EndpointSlice): void {
    this.entry(serviceKey).set(s.metadata?.name ?? '', { rv: s.metadata?.resourceVersion ?? '0', at: this.clock.now().getTime() });
  }

  deleted(serviceKey: string, name: string): void {
    this.entry(serviceKey).set(name, { rv: null, at: this.clock.now().getTime() });
  }

  /** True once the cache (get by name) reflects every write for this service; forgets what is settled. */
  settled(serviceKey: string, get: (name: string) => EndpointSlice | undefined): boolean {
    const m = this.byService.get(serviceKey);
    if (!m) return true;
    const now = this.clock.now().getTime();
    for (const [name, e] of m) {
      const cached = get(name);
      const seen = e.rv === null ? !cached : !!cached && BigInt(cached.metadata?.resourceVersion ?? '0') >= BigInt(e.rv);
      if (seen || now - e.at > GIVE_UP_MS) m.delete(name);
    }
    if (m.size === 0) this.byService.delete(serviceKey);
    return m.size === 0;
  }

  private entry(key: string): Map<string, Expect> {
    let m = this.byService.get(key);
    if (!m) this.byService.set(key, (m = new Map()));
    return m;
  }
}
