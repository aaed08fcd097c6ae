// The consuming half every backend's Watch shares: events queued in revision order and handed out by async
// iteration. fail() ends the watch with an error that iteration throws at once (queued events are dropped: the
// caller relists); close() ends it quietly. Subclasses produce the events and say what ending means to them.
import type { StoreError, Watch, WatchEvent } from './types.js';

export abstract class QueuedWatch implements Watch {
  protected queue: WatchEvent[] = [];
  protected done = false;
  private error: StoreError | undefined;
  private wake: (() => void) | undefined;

  /** Runs once when the watch ends, however it ends. */
  protected abstract onEnd(): void;

  /** Runs when the consumer has taken everything queued (a paused producer may read again). */
  protected onDrained(): void {}

  get closed(): boolean {
    return this.done;
  }

  fail(err: StoreError): void {
    if (this.done) return;
    this.error = err;
    this.close();
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.onEnd();
    this.notify();
  }

  /** Wakes the consumer when it waits for events. */
  protected notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    try {
      for (;;) {
        if (this.queue.length > 0 && !this.error) {
          const batch = this.queue;
          this.queue = [];
          this.onDrained();
          for (const ev of batch) yield ev;
          continue;
        }
        if (this.error) throw this.error;
        if (this.done) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.close();
    }
  }
}
