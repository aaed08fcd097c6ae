// In-process watch fan-out for backends whose writes all pass through this process (memory, sqlite).
// A new watcher subscribes to live events first, then catches up from the log, then drops what it saw twice
// (kine's recipe), so nothing is lost or duplicated. A watcher that falls too far behind is cut off with TooSlow
// rather than growing memory without bound.
import { QueuedWatch } from './queued-watch.js';
import { StoreError, type Watch, type WatchEvent } from './types.js';

/** Reads the history of events with revision in (after, upTo], in revision order, for keys under prefix. */
export type CatchUp = (prefix: string, after: number, upTo: number) => Promise<WatchEvent[]>;

export interface HubOptions {
  /** Events a watcher may have queued before it is cut off. */
  maxQueue?: number;
}

export class WatchHub {
  private readonly subs = new Set<HubWatch>();
  private readonly maxQueue: number;

  constructor(opts: HubOptions = {}) {
    this.maxQueue = opts.maxQueue ?? 100_000;
  }

  /** Deliver committed events (in revision order) to every matching watcher. */
  publish(events: readonly WatchEvent[]): void {
    for (const sub of this.subs) sub.offer(events);
  }

  get watcherCount(): number {
    return this.subs.size;
  }

  subscribe(
    prefix: string,
    after: number | undefined,
    current: () => Promise<number>,
    catchUp: CatchUp,
    signal?: AbortSignal,
  ): Watch {
    const sub = new HubWatch(prefix, this.maxQueue, () => this.subs.delete(sub));
    this.subs.add(sub);
    if (signal) {
      if (signal.aborted) sub.close();
      else signal.addEventListener('abort', () => sub.close(), { once: true });
    }
    // Live events are buffered from this moment; now read what came before.
    void (async () => {
      const upTo = await current();
      const history = after === undefined ? [] : await catchUp(prefix, after, upTo);
      sub.startAt(after === undefined ? upTo : after, history);
    })().catch((err: unknown) => sub.fail(err instanceof StoreError ? err : new StoreError('Unavailable', String(err))));
    return sub;
  }

  closeAll(err?: StoreError): void {
    for (const sub of [...this.subs]) {
      if (err) sub.fail(err);
      else sub.close();
    }
  }
}

class HubWatch extends QueuedWatch {
  private pending: WatchEvent[] | undefined = []; // live events seen before catch-up finished
  private lastRevision = 0;

  constructor(
    private readonly prefix: string,
    private readonly maxQueue: number,
    private readonly onClose: () => void,
  ) {
    super();
  }

  protected onEnd(): void {
    this.onClose();
  }

  offer(events: readonly WatchEvent[]): void {
    if (this.done) return;
    const target = this.pending ?? this.queue;
    for (const ev of events) {
      if (ev.key.startsWith(this.prefix)) target.push(ev);
    }
    if (target.length > this.maxQueue) {
      this.fail(new StoreError('TooSlow', `watch on ${this.prefix} fell more than ${this.maxQueue} events behind`));
      return;
    }
    if (!this.pending) this.notify();
  }

  startAt(after: number, history: WatchEvent[]): void {
    if (this.done) return;
    this.lastRevision = after;
    const merged: WatchEvent[] = [];
    for (const ev of [...history, ...(this.pending ?? [])]) {
      if (ev.revision > this.lastRevision) {
        merged.push(ev);
        this.lastRevision = ev.revision;
      }
    }
    this.pending = undefined;
    this.queue.push(...merged);
    this.notify();
  }
}
