// One Tugboat watch = one etcd gRPC watch stream that we drive ourselves, rather than the etcd3 library's Watcher.
// The library resumes a broken stream from `header.revision + 1` of the last response it saw, but etcd puts the
// *current* store revision in that header (in the created response, and in catch-up batches that stop short of
// it), so a stream that breaks while catching up would resume past events it never delivered: a silent gap.
// Here the resume point is the revision after the last event actually handed to our consumer, so a resumed
// stream has no gap and no duplicate; a resume point etcd has compacted meanwhile ends the watch with Compacted.
import type { Duplex } from 'node:stream';
import type { IDuplexStream, IEvent, IKeyValue, IWatchRequest, IWatchResponse } from 'etcd3';
import { QueuedWatch } from '../queued-watch.js';
import { StoreError, type KeyValue, type WatchEvent } from '../types.js';
import { isCompactedMessage } from './errors.js';

/** The library types its streams narrowly; at run time they are gRPC duplex streams, which can pause. */
export type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse> & Pick<Duplex, 'pause' | 'resume'>;

export interface WatchDeps {
  /** Open a new bidirectional watch stream. */
  open(): Promise<WatchStream>;
  /** The store's current revision (used when the caller asked for future events only). */
  currentRevision(): Promise<number>;
  /** Convert an etcd kv to ours (strips the store's key prefix). */
  toKeyValue(kv: IKeyValue): KeyValue;
  /** Called once when the watch ends, however it ends. */
  onClose(): void;
  /** Give up resuming after the stream has been failing for this long. */
  resumeWindowMs: number;
}

// Stop reading from the stream (gRPC flow control then pushes back on etcd, which parks the watcher and
// catches it up later) while this many events wait for the consumer.
const HIGH_WATER = 5000;

type Outcome = { fatal?: StoreError; healthy: boolean; reason?: string };

export class EtcdWatch extends QueuedWatch {
  private stream: WatchStream | undefined;
  private paused = false;
  /** The first revision not yet queued: where a (re)created etcd watch starts. 0 until known. */
  private next: number;

  constructor(
    private readonly deps: WatchDeps,
    private readonly label: string,
    private readonly key: Buffer,
    private readonly rangeEnd: Buffer,
    afterRevision: number | undefined,
    signal: AbortSignal | undefined,
  ) {
    super();
    this.next = afterRevision === undefined ? 0 : afterRevision + 1;
    if (signal) {
      if (signal.aborted) this.close();
      else signal.addEventListener('abort', () => this.close(), { once: true });
    }
    if (!this.done) void this.run();
  }

  private async run(): Promise<void> {
    try {
      if (this.next === 0) this.next = (await this.deps.currentRevision()) + 1;
      let failingSince: number | undefined;
      let backoff = 100;
      while (!this.done) {
        const out = await this.serveOnce();
        if (this.done) return;
        if (out.fatal) return this.fail(out.fatal);
        if (out.healthy) {
          failingSince = undefined;
          backoff = 100;
        }
        failingSince ??= Date.now();
        if (Date.now() - failingSince > this.deps.resumeWindowMs) {
          return this.fail(new StoreError('Unavailable', `watch on ${this.label}: lost etcd (${out.reason})`));
        }
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 2000);
      }
    } catch (err) {
      this.fail(err instanceof StoreError ? err : new StoreError('Unavailable', `watch on ${this.label}: ${String(err)}`));
    }
  }

  /** Run one gRPC stream until it ends; say whether it ever got going and whether the watch must stop. */
  private async serveOnce(): Promise<Outcome> {
    let stream: WatchStream;
    try {
      stream = await this.deps.open();
    } catch (err) {
      return { healthy: false, reason: String(err) };
    }
    if (this.done) {
      endStream(stream);
      return { healthy: false, reason: 'closed' };
    }
    this.stream = stream;
    this.paused = false;
    return new Promise<Outcome>((resolve) => {
      let healthy = false;
      let finished = false;
      const finish = (o: Outcome) => {
        if (finished) return;
        finished = true;
        endStream(stream);
        if (this.stream === stream) this.stream = undefined;
        resolve(o);
      };
      stream.on('data', (res: IWatchResponse) => {
        if (finished) return;
        if (res.created) healthy = true;
        if (res.canceled) return finish({ fatal: this.cancelError(res), healthy });
        if (res.events.length > 0) {
          const err = this.accept(res.events);
          if (err) return finish({ fatal: err, healthy });
        }
      });
      stream.on('error', (err: Error) => finish({ healthy, reason: err.message }));
      stream.on('end', () => finish({ healthy, reason: 'stream ended' }));
      stream.write({
        create_request: { key: this.key, range_end: this.rangeEnd, start_revision: this.next, prev_kv: true },
      });
    });
  }

  private cancelError(res: IWatchResponse): StoreError {
    const compactRev = Number(res.compact_revision);
    if (compactRev > 0 || isCompactedMessage(res.cancel_reason)) {
      return new StoreError(
        'Compacted',
        `watch on ${this.label}: revision ${this.next} has been compacted (oldest is ${compactRev || 'unknown'})`,
      );
    }
    return new StoreError('Unavailable', `watch on ${this.label} canceled by etcd: ${res.cancel_reason || 'no reason'}`);
  }

  /** Queue one response's events; they are in revision order and never split a revision across responses. */
  private accept(events: IEvent[]): StoreError | undefined {
    if (this.done) return undefined;
    const from = this.next;
    for (const ev of events) {
      const rev = Number(ev.kv.mod_revision);
      if (rev < from) continue; // already delivered before a resume
      const mapped = this.toEvent(ev, rev);
      if (!mapped) {
        // etcd omits prev_kv when the previous version was compacted under the watch (Kubernetes fails its watch
        // the same way): without it a delete cannot say what was deleted, so make the caller relist.
        return new StoreError('Compacted', `watch on ${this.label}: event at revision ${rev} lost its previous value to compaction`);
      }
      this.queue.push(mapped);
      this.next = rev + 1;
    }
    if (this.queue.length >= HIGH_WATER && !this.paused) {
      this.paused = true;
      this.stream?.pause();
    }
    this.notify();
    return undefined;
  }

  private toEvent(ev: IEvent, revision: number): WatchEvent | undefined {
    const kv = this.deps.toKeyValue(ev.kv);
    const prev = ev.prev_kv ? this.deps.toKeyValue(ev.prev_kv) : undefined;
    if (ev.type === 'Delete') return prev ? { type: 'delete', key: kv.key, revision, prev } : undefined;
    if (kv.createRevision === kv.modRevision) return { type: 'create', key: kv.key, revision, kv };
    return prev ? { type: 'update', key: kv.key, revision, kv, prev } : undefined;
  }

  protected onEnd(): void {
    if (this.stream) endStream(this.stream);
    this.stream = undefined;
    this.deps.onClose();
  }

  /** The consumer caught up: read from the stream again. */
  protected override onDrained(): void {
    if (this.paused) {
      this.paused = false;
      this.stream?.resume();
    }
  }
}

/**
 * Half-close, then cancel: etcd keeps a stream open after the client half-closes, so only the cancel frees it.
 * Ending first also stops the library's error hook (it checks `writable`) from treating our own cancel as a
 * host failure, which would reset every gRPC channel to that endpoint.
 */
function endStream(stream: IDuplexStream<IWatchRequest, IWatchResponse>): void {
  stream.on('error', () => {}); // the CANCELLED that follows our cancel
  try {
    stream.end();
  } catch {
    // already ended
  }
  stream.cancel();
}
