// Coalescing, rate-limited sync: any number of requests during a sync (or within the minimum interval after
// one started) become one more sync. A failed sync is retried after a pause; waiters resolve once a sync that
// started after their request has succeeded.

export interface SyncRunnerOptions {
  sync: () => Promise<void>;
  minIntervalMs: number;
  retryMs: number;
  onError: (err: unknown) => void;
  now?: () => number;
}

export class SyncRunner {
  private wanted = 0;
  private applied = 0;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastStart = -Infinity;
  private failed = false;
  private stopped = false;
  private waiters: { gen: number; resolve: () => void }[] = [];

  constructor(private readonly o: SyncRunnerOptions) {}

  private now(): number {
    return (this.o.now ?? performance.now.bind(performance))();
  }

  /** Something changed: make sure a sync runs soon (at most one per minIntervalMs). */
  request(): void {
    this.wanted++;
    this.schedule();
  }

  /** Resolves when every change requested so far is applied. */
  waitSynced(): Promise<void> {
    const gen = this.wanted;
    if (this.applied >= gen || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ gen, resolve }));
  }

  get pending(): boolean {
    return this.applied < this.wanted;
  }

  private schedule(): void {
    if (this.stopped || this.running || this.timer) return;
    const gap = this.failed ? this.o.retryMs : this.o.minIntervalMs;
    const delay = Math.max(0, this.lastStart + gap - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.run().finally(() => {
        this.running = undefined;
        if (this.applied < this.wanted) this.schedule();
      });
    }, delay);
  }

  private async run(): Promise<void> {
    const gen = this.wanted;
    this.lastStart = this.now();
    try {
      await this.o.sync();
      this.failed = false;
      this.applied = gen;
      const ready = this.waiters.filter((w) => w.gen <= gen);
      this.waiters = this.waiters.filter((w) => w.gen > gen);
      for (const w of ready) w.resolve();
    } catch (e) {
      this.failed = true;
      this.o.onError(e);
    }
  }

  /** No more syncs; waits for one in flight. Waiters left are released (nothing more will happen). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }
}
