// Background compaction: keep a window of recent revisions and forget older history in small transactions,
// yielding to the event loop between them so writes and reads are never held up for long. Runs on a timer and
// also as soon as a full batch of history has fallen out of the window, so heavy churn cannot outgrow the timer.
import type { Logger } from '../../util/logger.js';

export interface CompactionTarget {
  headRevision(): number;
  compactedRevision(): number;
  /** Forget history in (lo, hi] in one transaction. */
  compactRange(lo: number, hi: number): void;
  /** After a round: hand space back to the file system. */
  shrink(): void;
}

export interface CompactorOptions {
  /** Revisions kept readable behind the newest one. */
  window: number;
  /** How often to compact in the background; 0 turns background compaction off. */
  intervalMs: number;
  /** Revisions forgotten per transaction. */
  batch: number;
  logger: Logger;
}

export class Compactor {
  private goal = 0;
  private round: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** A timer round or an explicit compaction asked to hand space back; write-triggered rounds do not, because
   * under steady churn the next writes reuse the freed pages anyway. */
  private shrinkDue = false;
  /** Rows were deleted since the last shrink. */
  private freed = false;

  constructor(
    private readonly target: CompactionTarget,
    private readonly opts: CompactorOptions,
  ) {}

  start(): void {
    if (this.opts.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.shrinkDue = true;
      this.background();
    }, this.opts.intervalMs);
    this.timer.unref(); // never the reason the process stays alive
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** Called after each commit. */
  afterWrites(): void {
    if (this.opts.intervalMs <= 0 || this.round) return;
    const behind = this.target.headRevision() - this.opts.window - this.target.compactedRevision();
    if (behind >= this.opts.batch) this.background();
  }

  /** Compact everything up to revision; resolves when done. */
  async compact(revision: number): Promise<void> {
    this.goal = Math.max(this.goal, revision);
    this.shrinkDue = true;
    while (!this.stopped && this.target.compactedRevision() < revision) await this.run();
  }

  private background(): void {
    this.goal = Math.max(this.goal, this.target.headRevision() - this.opts.window);
    this.run().catch((err: unknown) => this.opts.logger.warn('background compaction failed', { error: err }));
  }

  private run(): Promise<void> {
    this.round ??= this.loop().finally(() => (this.round = undefined));
    return this.round;
  }

  private async loop(): Promise<void> {
    for (;;) {
      // yield first: a round started by a commit must not delay answering that commit's writers
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.stopped) return;
      const lo = this.target.compactedRevision();
      const hi = Math.min(this.goal, lo + this.opts.batch);
      if (hi <= lo) break;
      this.target.compactRange(lo, hi);
      this.freed = true;
    }
    if (this.shrinkDue && this.freed) {
      this.shrinkDue = false;
      this.freed = false;
      this.target.shrink();
    }
  }
}
