// The work queue with client-go's semantics:
//   - dirty: keys waiting to be processed; a key added twice before a worker takes it is processed once.
//   - processing: keys a worker holds; a key added meanwhile is marked dirty and queued again on done(),
//     so one key is never processed by two workers at once.
//   - per-key exponential backoff for addRateLimited (5 ms doubling up to 1000 s, as client-go's default
//     item limiter), reset by forget(); delays run on the injected clock so tests use FakeClock.
//   - shutDown(): get() drains what is queued, then answers undefined; pending delayed adds are dropped and
//     leave no timers behind.
import { ApiError } from '../api/errors.js';
import { realClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { WorkQueue } from './types.js';

export interface WorkQueueOptions {
  clock?: Clock;
  /** First retry delay (default 5 ms). */
  baseDelayMs?: number;
  /** Cap on the retry delay (default 1000 s). */
  maxDelayMs?: number;
  /** For logs. */
  name?: string;
}

/** The delay before the n-th retry (n counts from 0): base * 2^n, capped. Pure, for table tests. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  const d = baseMs * 2 ** failures;
  return Number.isFinite(d) && d < maxMs ? d : maxMs;
}

export class KeyQueue implements WorkQueue {
  readonly name: string;
  private readonly clock: Clock;
  private readonly base: number;
  private readonly max: number;
  private readonly queue: string[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  /** Delayed adds: one per key, the earliest wins. */
  private readonly waiting = new Map<string, { at: number; ac: AbortController }>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.base = opts.baseDelayMs ?? 5;
    this.max = opts.maxDelayMs ?? 1_000_000;
    this.name = opts.name ?? 'queue';
  }

  get length(): number {
    return this.queue.length - this.head;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = this.clock.now().getTime() + delayMs;
    const prev = this.waiting.get(key);
    if (prev && prev.at <= at) return;
    prev?.ac.abort();
    const entry = { at, ac: new AbortController() };
    this.waiting.set(key, entry);
    this.clock.sleep(delayMs, entry.ac.signal).then(
      () => {
        if (this.waiting.get(key) === entry) this.waiting.delete(key);
        this.add(key);
      },
      () => {
        // cancelled: replaced by an earlier add, or shut down
      },
    );
  }

  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, backoffDelay(n, this.base, this.max));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How many times addRateLimited was called for key since the last forget. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  get(): Promise<string | undefined> {
    if (this.length > 0) return Promise.resolve(this.take());
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.push(key);
  }

  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const w of this.waiting.values()) w.ac.abort();
    this.waiting.clear();
    for (const g of this.getters.splice(0)) g(undefined);
  }

  private push(key: string): void {
    const g = this.getters.shift();
    if (g) {
      this.dirty.delete(key);
      this.processing.add(key);
      g(key);
      return;
    }
    this.queue.push(key);
  }

  private take(): string {
    const key = this.queue[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }
}

export function createWorkQueue(opts: WorkQueueOptions = {}): KeyQueue {
  return new KeyQueue(opts);
}

export interface RunWorkersOptions {
  workers?: number;
  signal: AbortSignal;
  logger?: Logger;
}

export function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.code === 409 && e.reason === 'Conflict';
}

/**
 * Runs `workers` loops taking keys from the queue: success forgets the key's backoff, an error re-queues it with
 * backoff (a 409 Conflict quietly: the cache was stale, the next try reads a newer one). Shuts the queue down when
 * the signal aborts and resolves once every worker has finished its current key.
 */
export async function runWorkers(queue: WorkQueue, reconcile: (key: string) => Promise<void>, opts: RunWorkersOptions): Promise<void> {
  const log = opts.logger ?? silentLogger;
  const onAbort = () => queue.shutDown();
  if (opts.signal.aborted) onAbort();
  else opts.signal.addEventListener('abort', onAbort, { once: true });
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        if (opts.signal.aborted) continue;
        await reconcile(key);
        queue.forget(key);
      } catch (e) {
        if (isConflict(e)) log.debug('conflict, requeueing', { key });
        else log.warn('reconcile failed, requeueing', { key, err: e instanceof Error ? e.message : String(e) });
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, opts.workers ?? 1) }, worker));
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
  }
}
